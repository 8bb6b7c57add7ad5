'use strict'
// The event loop keeps ticking while long calls are in flight: a bulk decrypt runs on the
// blocking pool and a re-encryption on the runtime, while a 5 ms interval keeps firing; the same
// work done with the Sync methods blocks it (which shows the counter measures something). The
// re-encryption reports its progress through the callback, batch by batch.

const test = require('node:test')
const assert = require('node:assert/strict')

const inventario = require('..')

const MASTER_KEY = '8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76'
const ITEMS = 120_000

// Runs `work` while a 5 ms interval counts; resolves to the count and the elapsed time.
async function ticking(work) {
  let ticks = 0
  const timer = setInterval(() => {
    ticks += 1
  }, 5)
  const started = performance.now()
  try {
    const result = await work()
    return { result, ticks, elapsed: performance.now() - started }
  } finally {
    clearInterval(timer)
  }
}

test('decryptMany of 120k fields runs off the event loop; decryptSync in a loop blocks it', async (t) => {
  const inv = await inventario.open('sqlite::memory:', { actor: 'loop', masterKey: MASTER_KEY })
  const cipher = inv.fieldCipher()
  const items = Array.from({ length: ITEMS }, (_, i) => ({
    value: `cliente-${i}@example.com`, table: 'clientes', column: 'email', rowKey: String(i),
  }))
  const sealed = await ticking(() => cipher.encryptMany(items))
  const envelopes = sealed.result
  assert.equal(envelopes.length, ITEMS)

  const opened = await ticking(() => cipher.decryptMany(envelopes.map((envelope, i) => ({
    envelope, table: 'clientes', column: 'email', rowKey: String(i),
  }))))
  assert.equal(opened.result.length, ITEMS)
  assert.equal(opened.result[0], 'cliente-0@example.com')
  assert.equal(opened.result[ITEMS - 1], `cliente-${ITEMS - 1}@example.com`)
  t.diagnostic(`encryptMany: ${sealed.ticks} ticks in ${sealed.elapsed.toFixed(0)} ms; decryptMany: ${opened.ticks} ticks in ${opened.elapsed.toFixed(0)} ms`)
  // Free, the loop fires every 5 ms; converting the 120k items in and out still happens on it
  // (in one piece each way), so ask for a tenth of that, and at least 5.
  for (const [name, run] of [['encryptMany', sealed], ['decryptMany', opened]]) {
    assert.ok(run.elapsed > 50, `${name} took ${run.elapsed} ms: too little to measure`)
    assert.ok(run.ticks >= Math.max(5, Math.floor(run.elapsed / 5 / 10)), `${name}: only ${run.ticks} ticks in ${run.elapsed.toFixed(0)} ms`)
  }

  // The same kind of work on the calling thread: the interval cannot fire until it ends.
  const blocked = await ticking(async () => {
    let last
    for (let i = 0; i < 20_000; i++) last = cipher.decryptSync(envelopes[i], 'clientes', 'email', String(i))
    return last
  })
  assert.equal(blocked.result, 'cliente-19999@example.com')
  t.diagnostic(`decryptSync × 20000: ${blocked.ticks} ticks in ${blocked.elapsed.toFixed(0)} ms`)
  assert.equal(blocked.ticks, 0)
  await inv.close()
})

test('reencrypt reports progress per batch and leaves the event loop free', async (t) => {
  const inv = await inventario.open('sqlite::memory:', { actor: 'loop', masterKey: MASTER_KEY })
  const salon = await inv.createLocation('SALON', 'Salón')
  const products = await Promise.all(
    Array.from({ length: 1500 }, (_, i) => inv.createProduct(`SKU-${String(i).padStart(5, '0')}`, `Producto ${i}`, '100.00')),
  )
  await inv.recordMovements(products.map((p) => ({ kind: 'receipt', product: p.id, location: salon.id, quantity: 2, unitCost: '55.25' })))
  const keyring = inv.keyring()
  const rotation = await keyring.rotateDataKey()

  const progress = []
  let settled = false
  let duringFlight = 0
  const run = await ticking(() => keyring.reencrypt(50, (p) => {
    progress.push(p)
    if (!settled) duringFlight += 1
  }).finally(() => {
    settled = true
  }))
  // A last callback may be queued behind the resolution: let it run.
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.diagnostic(`reencrypt: ${progress.length} progress calls (${duringFlight} while pending), ${run.ticks} ticks in ${run.elapsed.toFixed(0)} ms`)

  const [report] = run.result
  assert.equal(run.result.length, 1)
  assert.equal(report.jobId, rotation.jobId)
  assert.equal(report.activeKey, rotation.keyId)
  assert.equal(report.scope, 'global')
  assert.ok(report.rowsDone >= products.length, `${report.rowsDone} rows`)

  // At least one call per 50-row batch, in order, ending with every column done.
  assert.ok(progress.length >= Math.floor(report.rowsDone / 50), `${progress.length} progress calls for ${report.rowsDone} rows`)
  assert.ok(duringFlight >= 1, 'progress arrives while the call is in flight')
  for (const p of progress) {
    assert.equal(p.jobId, rotation.jobId)
    assert.equal(p.scope, 'global')
    assert.equal(typeof p.column, 'string')
    assert.ok(p.columnsDone >= 0 && p.columnsDone <= p.columnsTotal)
  }
  for (let i = 1; i < progress.length; i++) {
    assert.ok(progress[i].rowsDone >= progress[i - 1].rowsDone, 'rowsDone never goes back')
    assert.ok(progress[i].columnsDone >= progress[i - 1].columnsDone, 'columnsDone never goes back')
  }
  const last = progress.at(-1)
  assert.equal(last.columnsDone, last.columnsTotal)
  assert.equal(last.rowsDone, report.rowsDone)
  // The loop stays free: a quarter of the ticks a free loop would give (at most 3 asked for).
  assert.ok(run.ticks >= Math.min(3, Math.floor(run.elapsed / 5 / 4)), `only ${run.ticks} ticks in ${run.elapsed.toFixed(0)} ms`)

  // Everything is readable under the new key, and nothing is left to do.
  assert.deepEqual(await keyring.reencrypt(), [])
  assert.equal((await inv.product(products[0].id)).averageCost, '55.2500')
  assert.equal(await inv.stockValue(), '165750.00')
  assert.equal((await inv.verifyLedger()).ok, true)
  await inv.close()
})
