#!/usr/bin/env node
// Field encryption through the `inventario` Node addon vs node:crypto's aes-256-gcm, in one run.
//
//   cd bindings-node && npm install && npm run build && cd ..   # a RELEASE build of the addon
//   node benches/node/crypto_vs_node_crypto.mjs [--rounds 7] [--quick] [--json PATH]
//
// (`npm run build:debug`, or the build scripts/test.sh makes, is a debug build: the numbers are
// then not worth comparing.)
//
// Prints a markdown table with the median, over `--rounds` timed rounds after a warm-up, of the
// time per call (or per batch), and the ratio ours / node:crypto (below 1: ours is faster; the
// target column is the largest ratio DESIGN.md section 8 allows, where it sets one). Each round
// runs enough calls to take about 100 ms, and the two contenders of a row take turns round by
// round, so a burst of load from another process hits both. `--quick` (3 rounds of about 5 ms)
// is a smoke run for CI, not a measurement. `--json PATH` also writes the rows, in seconds, for
// a runner that merges suites:
//
//   {"suite": "node", "env": {"node": ..., "openssl": ...},
//    "rows": [{"what", "ours", "ours_s", "peer", "peer_s", "target", "note"}, ...]}
//
// What each row compares, for a field of N bytes (N = 16, 64, 256, 1024, 16384; a Buffer):
// - encrypt, N B: `cipher.encryptSync(value, table, column, rowKey)` (random nonce, padding to a
//   multiple of 16, AAD built from the context, key lookup, AES-256-GCM-SIV) vs `createCipheriv(
//   'aes-256-gcm', key, randomBytes(12))`, `setAAD(aad)`, `update`, `final`, `getAuthTag()`.
//   The AAD is ours for (customers, email, 42): 45 bytes.
// - decrypt, N B: `cipher.decryptSync(envelope, table, column, rowKey)` vs `createDecipheriv`,
//   `setAAD`, `setAuthTag`, `update`, `final`.
// - decrypt 1000 × 64 B: one `await cipher.decryptMany(items)` over 1,000 envelopes (off the
//   event loop, on the addon's blocking pool) vs a loop of 1,000 `createDecipheriv` calls as
//   above (what a page of rows costs each way).
// - decrypt 1000 × 64 B, decryptSync loop: a loop of 1,000 `decryptSync` calls on the event loop
//   vs the same node:crypto loop.
//
// Not the same primitive: ours is AES-256-GCM-SIV (RFC 8452, two passes: POLYVAL then CTR) over
// a padded plaintext, with the key looked up by id and the AAD built per call (docs/FORMAT.md);
// node:crypto has no GCM-SIV in the OpenSSL that Node 18-22 bundle, so the peer is one-pass
// AES-GCM with a key already in hand. The comparison is "what a field costs through our API" vs
// "the cheapest authenticated encryption node:crypto offers per call".

import { writeFileSync } from 'node:fs'
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { hrtime } from 'node:process'

import { open } from '../../bindings-node/index.mjs'

const KEY = '8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76'
const TABLE = 'customers'
const COLUMN = 'email'
const ROW = '42'
const SIZES = [16, 64, 256, 1024, 16384]
const BATCH = 1000
const BATCH_SIZE = 64
const OURS = 'inventario FieldCipher'
const PEER = 'node:crypto aes-256-gcm'
const TARGET_64 = 0.5 // DESIGN.md 8: a 64-byte field from Node, <= 0.5x node:crypto per call

// Our AAD for (customers, email, 42): label, version, key id, then the length-prefixed table,
// column and row key (docs/FORMAT.md 3.2).
function lp(text) {
  const bytes = Buffer.from(text, 'utf8')
  const len = Buffer.alloc(2)
  len.writeUInt16BE(bytes.length)
  return Buffer.concat([len, bytes])
}
const AAD = Buffer.concat([
  Buffer.from('inventario-core/v1'),
  Buffer.from([1, 0, 0, 0, 1]),
  lp(TABLE),
  lp(COLUMN),
  lp(ROW),
])

const USAGE = 'usage: [--rounds N] [--quick] [--json PATH]'

function parseArgs(argv) {
  let rounds
  let quick = false
  let json
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = (name) => {
      if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1)
      if (i + 1 >= argv.length) throw new Error(`${name} needs a value (${USAGE})`)
      return argv[++i]
    }
    if (arg === '--rounds' || arg.startsWith('--rounds=')) rounds = Number(value('--rounds'))
    else if (arg === '--json' || arg.startsWith('--json=')) json = value('--json')
    else if (arg === '--quick') quick = true
    else throw new Error(`unknown argument ${arg} (${USAGE})`)
  }
  if (rounds === undefined) rounds = quick ? 3 : 7
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer')
  return { rounds, quick, json }
}

const now = () => hrtime.bigint()

/** Runs `fn` `n` times (awaiting it when `isAsync`); returns nanoseconds per call. */
async function run(fn, n, isAsync) {
  const start = now()
  if (isAsync) for (let i = 0; i < n; i++) await fn()
  else for (let i = 0; i < n; i++) fn()
  return Number(now() - start) / n
}

function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** Warms each contender up for `warmupNs`, sizes its rounds to about `roundNs`, then runs
 *  `rounds` rounds, the contenders taking turns; returns each one's median time per call, in
 *  nanoseconds. A contender is `{ fn, isAsync }`. */
async function compare(contenders, { rounds, warmupNs, roundNs }) {
  const calls = []
  for (const { fn, isAsync } of contenders) {
    let n = 1
    let spent = 0
    let perCall = 0
    while (spent < warmupNs) {
      perCall = await run(fn, n, isAsync)
      spent += perCall * n
      n = Math.min(n * 2, 1 << 20)
    }
    calls.push(Math.max(1, Math.round(roundNs / perCall)))
  }
  const samples = contenders.map(() => [])
  for (let r = 0; r < rounds; r++) {
    for (let c = 0; c < contenders.length; c++) {
      samples[c].push(await run(contenders[c].fn, calls[c], contenders[c].isAsync))
    }
  }
  return samples.map(median)
}

function fmt(ns) {
  if (ns < 10e3) return `${Math.round(ns).toLocaleString('en-US')} ns`
  if (ns < 1e6) return `${(ns / 1e3).toLocaleString('en-US', { maximumFractionDigits: 1 })} µs`
  return `${(ns / 1e6).toLocaleString('en-US', { maximumFractionDigits: 2 })} ms`
}

// --- node:crypto, per call ----------------------------------------------------------------------

const nodeKey = randomBytes(32)

function nodeEncrypt(plaintext) {
  const iv = randomBytes(12)
  const c = createCipheriv('aes-256-gcm', nodeKey, iv)
  c.setAAD(AAD)
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()])
  return { iv, ciphertext, tag: c.getAuthTag() }
}

function nodeDecrypt({ iv, ciphertext, tag }) {
  const d = createDecipheriv('aes-256-gcm', nodeKey, iv)
  d.setAAD(AAD)
  d.setAuthTag(tag)
  return Buffer.concat([d.update(ciphertext), d.final()])
}

async function main() {
  const { rounds, quick, json } = parseArgs(process.argv.slice(2))
  const timing = quick
    ? { rounds, warmupNs: 20e6, roundNs: 5e6 }
    : { rounds, warmupNs: 200e6, roundNs: 100e6 }
  const inv = await open('sqlite::memory:', { actor: 'bench', masterKey: KEY, metrics: false })
  const rows = []
  const row = (what, ours, oursNs, peer, peerNs, target, note) =>
    rows.push({ what, ours, ours_s: oursNs / 1e9, peer, peer_s: peerNs / 1e9, target, note })
  try {
    const cipher = inv.fieldCipher()

    for (const size of SIZES) {
      const value = Buffer.alloc(size, 'x')
      // Both sides round-trip before anything is timed.
      const envelope = cipher.encryptSync(value, TABLE, COLUMN, ROW)
      if (!cipher.decryptSync(envelope, TABLE, COLUMN, ROW).equals(value)) throw new Error('ours does not round-trip')
      const sealed = nodeEncrypt(value)
      if (!nodeDecrypt(sealed).equals(value)) throw new Error('node:crypto does not round-trip')
      const target = size === 64 ? TARGET_64 : null

      const [encOurs, encPeer] = await compare(
        [{ fn: () => cipher.encryptSync(value, TABLE, COLUMN, ROW) }, { fn: () => nodeEncrypt(value) }],
        timing,
      )
      row(`encrypt, ${size} B`, `${OURS}.encryptSync`, encOurs, PEER, encPeer, target,
        `a Buffer of ${size} bytes; ours: random nonce, padding, AAD built per call, GCM-SIV (two passes); peer: randomBytes(12) IV, one-pass GCM`)

      const [decOurs, decPeer] = await compare(
        [{ fn: () => cipher.decryptSync(envelope, TABLE, COLUMN, ROW) }, { fn: () => nodeDecrypt(sealed) }],
        timing,
      )
      row(`decrypt, ${size} B`, `${OURS}.decryptSync`, decOurs, PEER, decPeer, target,
        `both return a Buffer of ${size} bytes; ours: key looked up by the envelope's id, AAD built per call, GCM-SIV (two passes)`)
    }

    const value = Buffer.alloc(BATCH_SIZE, 'x')
    const items = []
    for (let i = 0; i < BATCH; i++) {
      const rowKey = String(i)
      items.push({ envelope: cipher.encryptSync(value, TABLE, COLUMN, rowKey), table: TABLE, column: COLUMN, rowKey })
    }
    const opened = await cipher.decryptMany(items)
    if (opened.length !== BATCH || !opened.every((v) => v.equals(value))) throw new Error('decryptMany is wrong')
    const nodeItems = Array.from({ length: BATCH }, () => nodeEncrypt(value))

    const nodeLoop = () => {
      for (const item of nodeItems) nodeDecrypt(item)
    }
    const oursSyncLoop = () => {
      for (const item of items) cipher.decryptSync(item.envelope, item.table, item.column, item.rowKey)
    }
    const [many, syncLoop, loop] = await compare(
      [{ fn: () => cipher.decryptMany(items), isAsync: true }, { fn: oursSyncLoop }, { fn: nodeLoop }],
      { ...timing, warmupNs: timing.warmupNs * 2 },
    )
    const what = `decrypt ${BATCH} × ${BATCH_SIZE} B`
    row(what, `${OURS}.decryptMany (awaited)`, many, `${PEER}, JS loop`, loop, null,
      `one awaited decryptMany over ${BATCH} {envelope, table, column, rowKey} items, run on the addon's blocking pool, vs a loop of ${BATCH} createDecipheriv calls on the event loop`)
    row(`${what}, decryptSync loop`, `${OURS}.decryptSync, JS loop`, syncLoop, `${PEER}, JS loop`, loop, null,
      `a loop of ${BATCH} decryptSync calls vs a loop of ${BATCH} createDecipheriv calls, both on the event loop`)
  } finally {
    await inv.close()
  }

  console.log(
    `Node ${process.version} (OpenSSL ${process.versions.openssl}), ${process.platform}-${process.arch}; ` +
      `median of ${rounds} rounds (~${timing.roundNs / 1e6} ms each) after warm-up` +
      `${quick ? ' (--quick: smoke run, not a measurement)' : ''}.`,
  )
  console.log('ratio = ours / node:crypto (< 1: ours faster); target = the largest ratio DESIGN.md 8 allows.\n')
  console.log('| operation | inventario | node:crypto aes-256-gcm | ours / node:crypto | target |')
  console.log('|---|---:|---:|---:|---|')
  for (const r of rows) {
    const ratio = r.ours_s / r.peer_s
    const target = r.target === null ? '' : `≤ ${r.target}: ${ratio <= r.target ? 'met' : 'MISSED'}`
    console.log(`| ${r.what} | ${fmt(r.ours_s * 1e9)} | ${fmt(r.peer_s * 1e9)} | ${ratio.toFixed(2)} | ${target} |`)
  }

  if (json) {
    const out = {
      suite: 'node',
      env: { node: process.version, openssl: process.versions.openssl },
      rows,
    }
    writeFileSync(json, `${JSON.stringify(out, null, 2)}\n`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
