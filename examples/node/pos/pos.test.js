'use strict'
// The point of sale over HTTP: a seeded SQLite file in a temporary folder, the server on an
// ephemeral port, requests with fetch. Run: node --test examples/node/pos/

const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { after, before, test } = require('node:test')

const inventario = require('../../../bindings-node')
const { createServer, parseApiKeys, identify, configFromEnv } = require('./server.js')
const { seed } = require('./seed.js')

const MASTER_KEY = '8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76'
const CAJA_1 = 's3cr3t-caja-1-8f3a1c52e07b94d6'
const CAJA_2 = 's3cr3t-caja-2-a25fc8e13b7d609a'
const API_KEYS = `caja-1:${CAJA_1},caja-2:${CAJA_2}`

let dir
let inv
let server
let base
let ids
const bodies = [] // every JSON body the server sent, for the no-float check

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-test-'))
  inv = await inventario.open(`sqlite://${path.join(dir, 'pos.db')}?mode=rwc`, {
    actor: 'pos-seed',
    masterKey: MASTER_KEY,
  })
  ids = await seed(inv)
  server = createServer({ inv, apiKeys: API_KEYS })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${server.address().port}`
})

after(async () => {
  await new Promise((resolve) => server.close(resolve))
  await inv.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

async function call(method, urlPath, { key = CAJA_1, idem, body, rawBody, headers = {} } = {}) {
  const h = { ...headers }
  if (key !== null) h['X-API-Key'] = key
  if (idem !== undefined) h['Idempotency-Key'] = idem
  let payload
  if (rawBody !== undefined) payload = rawBody
  else if (body !== undefined) payload = JSON.stringify(body)
  if (payload !== undefined && h['Content-Type'] === undefined) h['Content-Type'] = 'application/json'
  const res = await fetch(base + urlPath, { method, headers: h, body: payload })
  const text = await res.text()
  const json = text ? JSON.parse(text) : null
  bodies.push({ where: `${method} ${urlPath} -> ${res.status}`, json })
  return { status: res.status, headers: res.headers, json }
}

const sell = (body, idem, key = CAJA_1) => call('POST', '/sales', { body, idem, key })

async function onHand(sku, locationCode = 'SALON') {
  const { json } = await call('GET', '/stock')
  const row = json.stock.find((r) => r.sku === sku && r.locationCode === locationCode)
  return row ? row.onHand : '0'
}

test('health is open and says the store answers', async () => {
  const { status, json } = await call('GET', '/health', { key: null })
  assert.equal(status, 200)
  assert.deepEqual(json, { status: 'ok', store: 'ok' })
})

test('a missing or wrong API key is refused with 401 and writes nothing', async () => {
  const seqBefore = (await inv.auditEvents(0, 1000)).length
  for (const [method, p] of [['GET', '/stock'], ['GET', '/alerts/low-stock'], ['POST', '/sales']]) {
    const body = method === 'POST' ? { product: 'BEB-COCA-225', quantity: 1 } : undefined
    const missing = await call(method, p, { key: null, idem: 'auth-1', body })
    assert.equal(missing.status, 401, `${method} ${p} without a key`)
    assert.equal(missing.json.error.code, 'E_AUTH')
    const wrong = await call(method, p, { key: `${CAJA_1}x`, idem: 'auth-1', body })
    assert.equal(wrong.status, 401, `${method} ${p} with a wrong key`)
  }
  assert.equal(await onHand('BEB-COCA-225'), '24')
  assert.equal((await inv.auditEvents(0, 1000)).length, seqBefore)
  assert.equal((await call('GET', '/stock', { key: CAJA_2 })).status, 200)
})

test('API keys: parsed from POS_API_KEYS, matched in constant time against every key', () => {
  const keys = parseApiKeys(API_KEYS)
  assert.deepEqual(keys.map((k) => k.id), ['caja-1', 'caja-2'])
  assert.equal(identify(keys, CAJA_1), 'caja-1')
  assert.equal(identify(keys, CAJA_2), 'caja-2')
  assert.equal(identify(keys, 'caja-1'), null)
  assert.equal(identify(keys, ''), null)
  assert.throws(() => parseApiKeys(''), /no API keys/)
  assert.throws(() => parseApiKeys('caja-1:short'), /shorter than 16/)
  assert.throws(() => parseApiKeys(`a:${CAJA_1},b:${CAJA_1}`), /repeats/)
  assert.throws(() => parseApiKeys(`caja 1:${CAJA_1}`), /invalid API key id/)
  assert.throws(() => parseApiKeys('no-colon-here-at-all'), /without ":"/)
  // The secret is everything after the first colon.
  assert.equal(identify(parseApiKeys('k:abc:defghijklmnopq'), 'abc:defghijklmnopq'), 'k')
})

test('a sale is recorded: 201, the ledger row with strings for money and quantities', async () => {
  const { status, headers, json } = await sell({ product: 'BEB-COCA-225', quantity: 2 }, 'venta-0001')
  assert.equal(status, 201)
  assert.equal(json.replayed, false)
  assert.equal(headers.get('location'), `/sales/${json.sale.id}`)
  const s = json.sale
  assert.equal(s.kind, 'sale')
  assert.equal(s.sku, 'BEB-COCA-225')
  assert.equal(s.product, ids.products['BEB-COCA-225'])
  assert.equal(s.locationCode, 'SALON')
  assert.equal(s.location, ids.locations.SALON)
  assert.equal(s.quantity, '2')
  assert.equal(s.delta, '-2')
  assert.equal(s.before, '24')
  assert.equal(s.after, '22')
  assert.equal(s.unitCost, '2100.0000')
  assert.equal(s.value, '-4200.00')
  assert.equal(s.actor, 'caja-1')
  assert.equal(s.idempotencyKey, 'venta-0001')
  assert.ok(!Number.isNaN(Date.parse(s.occurredAt)))
  assert.equal(await onHand('BEB-COCA-225'), '22')
})

test('a retry with the same key replays the first result and writes nothing', async () => {
  const first = await sell({ product: 'BEB-COCA-225', quantity: '3' }, 'venta-0002')
  assert.equal(first.status, 201)
  assert.equal(await onHand('BEB-COCA-225'), '19')
  const events = (await inv.auditEvents(0, 1000)).length

  // The same sale, with the quantity spelled differently: still the same request.
  for (const quantity of ['3', 3, '3.000']) {
    const retry = await sell({ product: 'BEB-COCA-225', quantity, location: 'SALON' }, 'venta-0002')
    assert.equal(retry.status, 200)
    assert.equal(retry.headers.get('idempotent-replayed'), 'true')
    assert.equal(retry.json.replayed, true)
    assert.deepEqual(retry.json.sale, first.json.sale)
  }
  assert.equal(await onHand('BEB-COCA-225'), '19')
  assert.equal((await inv.auditEvents(0, 1000)).length, events)
})

test('concurrent retries of one sale write it once', async () => {
  const results = await Promise.all(
    Array.from({ length: 6 }, () => sell({ product: 'LIM-LAVAND-1L', quantity: 1 }, 'venta-0003')),
  )
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 201])
  assert.equal(new Set(results.map((r) => r.json.sale.id)).size, 1)
  assert.equal(await onHand('LIM-LAVAND-1L'), '19')
})

test('idempotency keys belong to their API key: another till may use the same one', async () => {
  const other = await sell({ product: 'BEB-COCA-225', quantity: '3' }, 'venta-0002', CAJA_2)
  assert.equal(other.status, 201)
  assert.equal(other.json.replayed, false)
  assert.equal(other.json.sale.actor, 'caja-2')
  assert.equal(await onHand('BEB-COCA-225'), '16')
})

test('the same key with a different body is a 409 conflict and writes nothing', async () => {
  for (const body of [
    { product: 'BEB-COCA-225', quantity: 4 },
    { product: 'LAC-LECHE-1L', quantity: 3 },
    { product: 'BEB-COCA-225', quantity: 3, location: 'DEPO' },
  ]) {
    const { status, json } = await sell(body, 'venta-0002')
    assert.equal(status, 409, JSON.stringify(body))
    assert.equal(json.error.code, 'E_IDEMPOTENCY_CONFLICT')
    assert.equal(json.error.key, 'venta-0002')
  }
  assert.equal(await onHand('BEB-COCA-225'), '16')
  assert.equal(await onHand('LAC-LECHE-1L'), '30')
})

test('insufficient stock is a 409 with available and requested as strings', async () => {
  const { status, json } = await sell({ product: 'LAC-QUESO-KG', quantity: '5.250' }, 'venta-0004')
  assert.equal(status, 409)
  assert.equal(json.error.code, 'E_INSUFFICIENT_STOCK')
  assert.equal(json.error.available, '4.5')
  assert.equal(json.error.requested, '5.25')
  assert.equal(await onHand('LAC-QUESO-KG'), '4.5')
  // Nothing was recorded under the key: the same key now sells what there is.
  const ok = await sell({ product: 'LAC-QUESO-KG', quantity: '1.250' }, 'venta-0004')
  assert.equal(ok.status, 201)
  assert.equal(ok.json.sale.after, '3.25')
})

test('a sale without Idempotency-Key is a 400 and writes nothing', async () => {
  const missing = await call('POST', '/sales', { body: { product: 'BEB-COCA-225', quantity: 1 } })
  assert.equal(missing.status, 400)
  assert.equal(missing.json.error.code, 'E_IDEMPOTENCY_KEY')
  const empty = await call('POST', '/sales', { idem: '', body: { product: 'BEB-COCA-225', quantity: 1 } })
  assert.equal(empty.status, 400)
  const tooLong = await sell({ product: 'BEB-COCA-225', quantity: 1 }, 'x'.repeat(129))
  assert.equal(tooLong.status, 400)
  assert.equal(await onHand('BEB-COCA-225'), '16')
})

test('bad sales are refused: 400 for a body that is not JSON, 422 for a bad field', async () => {
  const notJson = await call('POST', '/sales', { idem: 'bad-1', rawBody: '{"product": ' })
  assert.equal(notJson.status, 400)
  const big = await sell({ product: 'BEB-COCA-225', quantity: 1, note: 'x'.repeat(20 * 1024) }, 'bad-0')
  assert.equal(big.status, 413)
  const form = await call('POST', '/sales', {
    idem: 'bad-2',
    rawBody: 'product=BEB-COCA-225&quantity=1',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  })
  assert.equal(form.status, 415)
  const cases = [
    [{ product: 'BEB-COCA-225', quantity: 1.5 }, 'quantity'], // fractional: must be a string
    [{ product: 'BEB-COCA-225', quantity: 'abc' }, undefined],
    [{ product: 'BEB-COCA-225', quantity: '-1' }, undefined],
    [{ product: 'BEB-COCA-225', quantity: '0' }, undefined],
    [{ product: 'BEB-COCA-225', quantity: '1.0001' }, undefined], // more than 3 decimals
    [{ product: 'BEB-COCA-225', quantity: 1e21 }, 'quantity'],
    [{ product: 'BEB-COCA-225' }, 'quantity'],
    [{ product: 'NO-EXISTE', quantity: 1 }, 'product'],
    [{ product: 'BEB-COCA-225', quantity: 1, location: 'NOPE' }, 'location'],
    [{ quantity: 1 }, 'product'],
    [[1, 2], null],
  ]
  for (const [i, [body, field]] of cases.entries()) {
    const { status, json } = await sell(body, `bad-case-${i}`)
    assert.equal(status, 422, JSON.stringify(body))
    assert.equal(json.error.code, 'E_VALIDATION')
    if (field !== undefined) assert.equal(json.error.field, field, JSON.stringify(body))
  }
  assert.equal(await onHand('BEB-COCA-225'), '16')
})

test('unknown routes are 404, wrong methods 405', async () => {
  assert.equal((await call('GET', '/nope')).status, 404)
  const wrong = await call('GET', '/sales')
  assert.equal(wrong.status, 405)
  assert.equal(wrong.headers.get('allow'), 'POST')
})

test('a low-stock alert appears once a sale takes the product below its minimum', async () => {
  const yerba = (alerts) => alerts.find((a) => a.sku === 'ALM-YERBA-1KG')
  const before = await call('GET', '/alerts/low-stock')
  assert.equal(before.status, 200)
  // Minimum 6 times the month's seasonal factor (0.8 to 1.3 for a product without a category):
  // 10 on hand is above it in every month, 4 at or below it in every month.
  assert.equal(yerba(before.json.alerts), undefined)

  assert.equal((await sell({ product: 'ALM-YERBA-1KG', quantity: 6 }, 'venta-0005')).status, 201)
  const afterSale = await call('GET', '/alerts/low-stock')
  const alert = yerba(afterSale.json.alerts)
  assert.ok(alert, JSON.stringify(afterSale.json))
  assert.equal(alert.onHand, '4')
  assert.match(alert.threshold, /^\d+(\.\d+)?$/)
  assert.match(alert.deficit, /^\d+(\.\d+)?$/)
  assert.equal(alert.product, ids.products['ALM-YERBA-1KG'])

  const dated = await call('GET', '/alerts/low-stock?on=2026-01-15')
  assert.equal(dated.status, 200)
  assert.equal(dated.json.on, '2026-01-15')
  assert.equal((await call('GET', '/alerts/low-stock?on=yesterday')).status, 422)
})

test('GET /stock lists balances by product and location', async () => {
  const { status, json } = await call('GET', '/stock')
  assert.equal(status, 200)
  assert.deepEqual(
    json.stock.map((r) => [r.sku, r.locationCode, r.onHand]).sort(),
    [
      ['ALM-YERBA-1KG', 'SALON', '4'],
      ['BEB-COCA-225', 'SALON', '16'],
      ['LAC-LECHE-1L', 'SALON', '30'],
      ['LAC-QUESO-KG', 'SALON', '3.25'],
      ['LIM-LAVAND-1L', 'SALON', '19'],
    ],
  )
})

test("the audit actor of a sale is the API key's id, never its secret", async () => {
  const { json } = await sell({ product: 'LAC-LECHE-1L', quantity: 2 }, 'venta-0006', CAJA_2)
  const events = await inv.auditEvents(0, 1000)
  const sale = events.find((e) => e.eventType === 'STOCK_MOVEMENT' && e.key === String(json.sale.id))
  assert.ok(sale, 'the sale has an audit record')
  assert.equal(sale.actor, 'caja-2')
  const first = events.find((e) => e.eventType === 'STOCK_MOVEMENT' && JSON.parse(e.detail).kind === 'sale')
  assert.equal(first.actor, 'caja-1')
  for (const e of events) {
    assert.ok(['pos-seed', 'caja-1', 'caja-2'].includes(e.actor), e.actor)
    assert.ok(!JSON.stringify(e).includes(CAJA_1) && !JSON.stringify(e).includes(CAJA_2))
  }
  assert.equal((await inv.verifyAudit()).ok, true)
  assert.equal((await inv.verifyLedger()).ok, true)
})

test('no response carries a number other than an id', () => {
  const ID_KEYS = new Set(['id', 'product', 'location'])
  const walk = (value, where, key) => {
    if (typeof value === 'number') {
      assert.ok(ID_KEYS.has(key) && Number.isSafeInteger(value), `${where}: ${key} = ${value}`)
    } else if (Array.isArray(value)) {
      value.forEach((v) => walk(v, where, key))
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, where, k)
    }
  }
  assert.ok(bodies.length > 50)
  for (const { where, json } of bodies) walk(json, where, null)
})

test('configuration comes from the environment', () => {
  assert.deepEqual(configFromEnv({}), {
    url: 'sqlite://./pos.db?mode=rwc',
    apiKeys: '',
    host: '127.0.0.1',
    port: 8080,
    defaultLocation: 'SALON',
  })
  const c = configFromEnv({ INVENTARIO_URL: 'sqlite://x.db', PORT: '0', POS_API_KEYS: API_KEYS, POS_LOCATION: 'DEPO' })
  assert.equal(c.port, 0)
  assert.equal(c.url, 'sqlite://x.db')
  assert.equal(c.defaultLocation, 'DEPO')
  assert.throws(() => configFromEnv({ PORT: 'http' }), /not a port/)
})

test('node server.js runs from the environment (master key from INVENTARIO_MASTER_KEY)', async () => {
  const env = {
    PATH: process.env.PATH,
    INVENTARIO_URL: `sqlite://${path.join(dir, 'main.db')}?mode=rwc`,
    INVENTARIO_MASTER_KEY: MASTER_KEY,
    POS_API_KEYS: API_KEYS,
    PORT: '0',
  }
  const child = spawn(process.execPath, [path.join(__dirname, 'server.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const url = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const m = out.match(/listening on (http:\/\/\S+)/)
      if (m) resolve(m[1])
    })
    exited.then(() => reject(new Error(`server.js exited: ${stderr}`)))
  })
  try {
    assert.equal((await fetch(`${url}/health`)).status, 200)
    const stock = await fetch(`${url}/stock`, { headers: { 'X-API-Key': CAJA_2 } })
    assert.equal(stock.status, 200)
    assert.deepEqual(await stock.json(), { stock: [] })
  } finally {
    child.kill('SIGTERM')
  }
  assert.deepEqual(await exited, { code: 0, signal: null })

  // Without a master key it refuses to start, and says why.
  const noKey = spawn(process.execPath, [path.join(__dirname, 'server.js')], {
    env: { ...env, INVENTARIO_MASTER_KEY: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let err = ''
  noKey.stderr.on('data', (d) => (err += d))
  const code = await new Promise((resolve) => noKey.on('exit', resolve))
  assert.equal(code, 1)
  assert.match(err, /INVENTARIO_MASTER_KEY/)
})
