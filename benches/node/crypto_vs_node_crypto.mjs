#!/usr/bin/env node
// Field encryption through the `inventario` Node addon vs node:crypto's aes-256-gcm, in one run.
//
//   cd bindings-node && npm install && npm run build && cd ..   # a RELEASE build of the addon
//   node benches/node/crypto_vs_node_crypto.mjs [--rounds 7]
//
// (`npm run build:debug`, or the build scripts/test.sh makes, is a debug build: the numbers are
// then not worth comparing.)
//
// Prints a markdown table with the median, over `--rounds` timed rounds after a warm-up, of the
// time per call (or per batch). Each round runs enough calls to take about 100 ms. The last
// column is the ratio node:crypto / ours: above 1 means ours is faster.
//
// What each row compares, on the same 64-byte value (a Buffer of 64 bytes):
// - encrypt, 64 B: `cipher.encryptSync(value, table, column, rowKey)` (random nonce, padding to
//   80 bytes, AAD built from the context, key lookup, AES-256-GCM-SIV) vs `createCipheriv(
//   'aes-256-gcm', key, randomBytes(12))`, `setAAD(aad)`, `update`, `final`, `getAuthTag()`.
//   The AAD is ours for (customers, email, 42): 45 bytes.
// - decrypt, 64 B: `cipher.decryptSync(envelope, table, column, rowKey)` vs `createDecipheriv`,
//   `setAAD`, `setAuthTag`, `update`, `final`.
// - decrypt 1000 (decryptMany): one `await cipher.decryptMany(items)` over 1,000 envelopes (off
//   the event loop, on the addon's blocking pool) vs a loop of 1,000 `createDecipheriv` calls
//   as above (what a page of rows costs each way).
// - decrypt 1000 (decryptSync loop): a loop of 1,000 `decryptSync` calls on the event loop vs
//   the same node:crypto loop.
//
// Not the same primitive: ours is AES-256-GCM-SIV (RFC 8452, two passes: POLYVAL then CTR) over
// a padded plaintext, with the key looked up by id and the AAD built per call (docs/FORMAT.md);
// node:crypto has no GCM-SIV in the OpenSSL that Node bundles, so the peer is one-pass AES-GCM
// with a key already in hand. The comparison is "what a field costs through our API" vs "the
// cheapest authenticated encryption node:crypto offers per call".

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { hrtime } from 'node:process'

import { open } from '../../bindings-node/index.mjs'

const KEY = '8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76'
const TABLE = 'customers'
const COLUMN = 'email'
const ROW = '42'
const BATCH = 1000
const ROUND_NS = 100e6 // about 100 ms per timed round
const WARMUP_NS = 200e6

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

function parseArgs(argv) {
  let rounds = 7
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') rounds = Number(argv[++i])
    else if (argv[i].startsWith('--rounds=')) rounds = Number(argv[i].slice('--rounds='.length))
    else throw new Error(`unknown argument ${argv[i]} (usage: [--rounds N])`)
  }
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer')
  return { rounds }
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

/** Warms `fn` up for about 200 ms, sizes a round to about 100 ms, and returns the median over
 *  `rounds` rounds of the time per call, in nanoseconds. */
async function measure(fn, rounds, isAsync = false) {
  let n = 1
  let spent = 0
  let perCall = 0
  while (spent < WARMUP_NS) {
    perCall = await run(fn, n, isAsync)
    spent += perCall * n
    n = Math.min(n * 2, 1 << 20)
  }
  const calls = Math.max(1, Math.round(ROUND_NS / perCall))
  const samples = []
  for (let r = 0; r < rounds; r++) samples.push(await run(fn, calls, isAsync))
  return median(samples)
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
  const { rounds } = parseArgs(process.argv.slice(2))
  const inv = await open('sqlite::memory:', { actor: 'bench', masterKey: KEY, metrics: false })
  try {
    const cipher = inv.fieldCipher()
    const value = Buffer.alloc(64, 'x')

    // Both sides round-trip before anything is timed.
    const envelope = cipher.encryptSync(value, TABLE, COLUMN, ROW)
    if (!cipher.decryptSync(envelope, TABLE, COLUMN, ROW).equals(value)) throw new Error('ours does not round-trip')
    const sealed = nodeEncrypt(value)
    if (!nodeDecrypt(sealed).equals(value)) throw new Error('node:crypto does not round-trip')

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

    const rows = []
    rows.push([
      'encrypt, 64 B',
      await measure(() => cipher.encryptSync(value, TABLE, COLUMN, ROW), rounds),
      await measure(() => nodeEncrypt(value), rounds),
    ])
    rows.push([
      'decrypt, 64 B',
      await measure(() => cipher.decryptSync(envelope, TABLE, COLUMN, ROW), rounds),
      await measure(() => nodeDecrypt(sealed), rounds),
    ])
    const nodeLoopNs = await measure(nodeLoop, rounds)
    rows.push(['decrypt 1000 (`await decryptMany`)', await measure(() => cipher.decryptMany(items), rounds, true), nodeLoopNs])
    rows.push(['decrypt 1000 (`decryptSync` loop)', await measure(oursSyncLoop, rounds), nodeLoopNs])

    console.log(`Node ${process.version}, ${process.platform}-${process.arch}; median of ${rounds} rounds (~100 ms each) after warm-up.\n`)
    console.log('| operation | inventario | node:crypto aes-256-gcm | ratio (node:crypto / ours) |')
    console.log('|---|---:|---:|---:|')
    for (const [name, ours, peer] of rows) {
      console.log(`| ${name} | ${fmt(ours)} | ${fmt(peer)} | ${(peer / ours).toFixed(2)} |`)
    }
  } finally {
    await inv.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
