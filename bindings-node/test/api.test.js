'use strict'
// A round trip of every public call with valid arguments, checking the shapes and values of the
// results. The last test checks that this file called every function, method and getter that
// native.d.ts declares, and that native.d.ts and the loaded addon declare the same members.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const inventario = require('..')

const MASTER_KEY = '8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76'
const NEW_MASTER_KEY = '1b2c3d4e5f60718293a4b5c6d7e8f9010a1b2c3d4e5f60718293a4b5c6d7e8f9'
const CLASSES = ['Inventory', 'Keyring', 'FieldCipher', 'DataKey', 'BlindIndexKey']
const FUNCTIONS = ['open', 'openKeyring', 'envelopeToText', 'envelopeFromText', 'envelopeKeyId', 'argentinaHolidays']

// --- which calls this file makes --------------------------------------------------------------

const called = new Set()
for (const name of CLASSES) {
  const proto = inventario[name].prototype
  for (const member of Object.getOwnPropertyNames(proto)) {
    if (member === 'constructor') continue
    const descriptor = Object.getOwnPropertyDescriptor(proto, member)
    if (typeof descriptor.value === 'function') {
      const original = descriptor.value
      Object.defineProperty(proto, member, {
        ...descriptor,
        value: function recorded(...args) {
          called.add(`${name}.${member}`)
          return original.apply(this, args)
        },
      })
    } else if (typeof descriptor.get === 'function') {
      const original = descriptor.get
      Object.defineProperty(proto, member, {
        ...descriptor,
        get: function recorded() {
          called.add(`${name}.${member}`)
          return original.call(this)
        },
      })
    }
  }
}
const lib = {}
for (const name of FUNCTIONS) {
  lib[name] = (...args) => {
    called.add(name)
    return inventario[name](...args)
  }
}
for (const name of ['DataKey', 'BlindIndexKey']) {
  lib[name] = function (...args) {
    called.add(`${name}.constructor`)
    return new inventario[name](...args)
  }
}

// What native.d.ts declares: `Class.member` (getters and methods, `Class.constructor` where
// declared) and the module's functions.
function declared() {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'native.d.ts'), 'utf8')
  const members = new Set()
  for (const match of dts.matchAll(/^export declare class (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const [, cls, body] = match
    for (const line of body.split('\n')) {
      const member = /^ {2}(?:get )?(\w+)\(/.exec(line)
      if (member) members.add(`${cls}.${member[1]}`)
    }
  }
  for (const match of dts.matchAll(/^export declare function (\w+)\(/gm)) members.add(match[1])
  return members
}

const DECIMAL = /^-?\d+(\.\d+)?$/
const isDecimal = (value, digits) => {
  assert.equal(typeof value, 'string')
  assert.match(value, DECIMAL)
  if (digits !== undefined) assert.equal(value.split('.')[1]?.length ?? 0, digits, value)
}

// --- the round trip ---------------------------------------------------------------------------

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inventario-api-'))
const url = `sqlite://${path.join(dir, 'tienda.db')}?mode=rwc`
test.after(() => fs.rmSync(dir, { recursive: true, force: true }))

const shared = {}

test('open, the handle, catalogue, customers', async () => {
  const inv = await lib.open(url, { actor: 'caja-1', masterKey: MASTER_KEY, tenant: 'sucursal-centro', maxConnections: 2, metrics: true })
  shared.inv = inv
  assert.ok(inv instanceof inventario.Inventory)
  assert.equal(inv.actor, 'caja-1')
  const supervisor = inv.actingAs('supervisor')
  assert.ok(supervisor instanceof inventario.Inventory)
  assert.equal(supervisor.actor, 'supervisor')
  assert.equal(inv.actor, 'caja-1')

  const salon = await inv.createLocation('SALON', 'Salón de ventas')
  const deposito = await supervisor.createLocation('DEP', 'Depósito')
  assert.deepEqual(salon, { id: salon.id, code: 'SALON', name: 'Salón de ventas', negativeStockAllowed: false })
  assert.equal(typeof salon.id, 'number')
  assert.deepEqual((await inv.locations()).map((l) => l.code), ['DEP', 'SALON'])
  assert.deepEqual(await inv.locationByCode('DEP'), deposito)
  assert.equal(await inv.locationByCode('NOPE'), null)
  assert.match(inv.today(), /^\d{4}-\d{2}-\d{2}$/)

  const acme = await inv.createSupplier('S-ACME', 'Acme SA', {
    cuit: '20123456786', phone: '+54 11 4444-5555', email: 'ventas@acme.com.ar', address: 'Av. Corrientes 1234',
  })
  assert.equal(acme.code, 'S-ACME')
  assert.equal(acme.legalName, 'Acme SA')
  assert.equal(typeof acme.isDefault, 'boolean')
  assert.equal(acme.active, true)
  await inv.createSupplier('S-SIN', 'Sin contacto SRL')
  assert.deepEqual((await inv.suppliers()).map((s) => s.code), ['S-ACME', 'S-SIN'])
  assert.deepEqual(await inv.supplierContact(acme.id), {
    cuit: '20-12345678-6', phone: '+54 11 4444-5555', email: 'ventas@acme.com.ar', address: 'Av. Corrientes 1234',
  })
  assert.equal(await inv.supplierContact(9999), null)
  assert.equal((await inv.findSupplierByCuit('20-12345678-6')).id, acme.id)
  assert.equal((await inv.findSupplierByCuit('20 12345678 6')).id, acme.id)
  assert.equal(await inv.findSupplierByCuit('27-12345678-0'), null)

  const coca = await inv.createProduct('BEB-COCA-2L', 'Coca-Cola 2 L', '3500.00', {
    category: 'Bebidas', brand: 'Coca-Cola', unit: 'unidad', minStock: 5, supplier: acme.id,
  })
  assert.deepEqual(coca, {
    id: coca.id, sku: 'BEB-COCA-2L', name: 'Coca-Cola 2 L', category: 'bebidas', brand: 'Coca-Cola',
    unit: 'unidad', salePrice: '3500.00', minStock: '5', supplier: acme.id, active: true, averageCost: '0.0000',
  })
  const queso = await inv.createProduct('LAC-QUESO-KG', 'Queso cremoso', 980000n, { unit: 'kg', minStock: '1.5' })
  assert.equal(queso.unit, 'kg')
  assert.equal(queso.supplier, undefined)
  assert.deepEqual(await inv.product(coca.id), coca)
  assert.equal(await inv.product(9999), null)
  assert.equal((await inv.productBySku('LAC-QUESO-KG')).id, queso.id)
  assert.equal(await inv.productBySku('NO-EXISTE'), null)
  assert.deepEqual((await inv.products()).map((p) => p.sku), ['BEB-COCA-2L', 'LAC-QUESO-KG'])
  assert.equal((await inv.products(true)).length, 2)

  const ana = await inv.createCustomer('C-ANA', {
    names: 'Ana', surname: 'Pérez', documentType: 'dni', document: '12345678',
    phone: '+54 9 11 5555-0000', email: 'Ana@Example.com', address: 'Calle 1',
  })
  assert.deepEqual(ana, { id: ana.id, code: 'C-ANA', kind: 'persona', priceList: 'general', creditLimit: '0.00', discountPercent: '0.00' })
  assert.deepEqual(await inv.customer(ana.id), ana)
  assert.equal(await inv.customer(9999), null)
  assert.deepEqual(await inv.customerIdentity(ana.id), {
    names: 'Ana', surname: 'Pérez', documentType: 'dni', document: '12345678',
    phone: '+54 9 11 5555-0000', email: 'Ana@Example.com', address: 'Calle 1',
  })
  assert.equal(await inv.customerIdentity(9999), null)
  assert.deepEqual((await inv.findCustomersByEmail('  ana@EXAMPLE.com ')).map((c) => c.id), [ana.id])
  assert.deepEqual((await inv.findCustomersByDocument('dni', '12.345.678')).map((c) => c.id), [ana.id])
  assert.deepEqual(await inv.findCustomersByDocument('dni', '87654321'), [])
  const beto = await inv.createCustomer('C-BETO', { names: 'Beto', documentType: 'cuit', document: '20-12345678-6' })
  const receipt = await inv.eraseSubject('customer', beto.id)
  assert.equal(receipt.kind, 'customer')
  assert.equal(receipt.id, beto.id)
  assert.equal(receipt.destroyedKeys.length, 1)
  assert.ok(receipt.unreadableFields.includes('customers.names'))
  assert.equal(receipt.blindIndexesRemoved, 1)
  assert.ok(receipt.erasedAt instanceof Date)
  Object.assign(shared, { salon, deposito, coca, queso, acme, ana })
})

test('stock commands, batches and reservations', async () => {
  const { inv, salon, deposito, coca, queso } = shared
  const received = await inv.receive(coca.id, deposito.id, 24, '2100.00', {
    reference: 'FC-A-0001-00001234', lot: 'L-2024-07', expiry: '2030-12-31', idempotencyKey: 'rx-1',
    occurredAt: new Date('2024-07-01T12:00:00Z'), reason: 'compra',
  })
  assert.equal(received.replayed, false)
  const [m] = received.movements
  assert.deepEqual(
    { kind: m.kind, quantity: m.quantity, delta: m.delta, before: m.before, after: m.after, unitCost: m.unitCost, value: m.value },
    { kind: 'receipt', quantity: '24', delta: '24', before: '0', after: '24', unitCost: '2100.0000', value: '50400.00' },
  )
  assert.equal(m.reference, 'FC-A-0001-00001234')
  assert.equal(m.actor, 'caja-1')
  assert.equal(m.idempotencyKey, 'rx-1')
  assert.ok(m.occurredAt instanceof Date)
  assert.equal(m.occurredAt.toISOString(), '2024-07-01T12:00:00.000Z')
  assert.equal(m.product, coca.id)
  assert.equal(m.location, deposito.id)

  const moved = await inv.transfer(coca.id, deposito.id, salon.id, 12, { reference: 'REM-1' })
  assert.deepEqual(moved.movements.map((x) => [x.kind, x.location, x.delta]), [
    ['transfer_out', deposito.id, '-12'], ['transfer_in', salon.id, '12'],
  ])
  const reservation = await inv.reserve(coca.id, salon.id, 3, 'pedido-7')
  assert.deepEqual(reservation, {
    id: reservation.id, product: coca.id, location: salon.id, quantity: '3', remaining: '3', reference: 'pedido-7', status: 'active',
  })
  const sale = await inv.sell(coca.id, salon.id, 2, { reservation: reservation.id })
  assert.equal(sale.movements[0].kind, 'sale')
  assert.equal(sale.movements[0].delta, '-2')
  const released = await inv.releaseReservation(reservation.id)
  assert.equal(released.id, reservation.id)
  assert.equal(released.remaining, '1', 'what was left when released')
  assert.equal(released.status, 'released')
  const back = await inv.returnFromCustomer(coca.id, salon.id, 1, { originalSale: sale.movements[0].id })
  assert.equal(back.movements[0].kind, 'customer_return')
  const toSupplier = await inv.returnToSupplier(coca.id, deposito.id, 2)
  assert.equal(toSupplier.movements[0].kind, 'supplier_return')
  const loss = await inv.recordLoss(coca.id, deposito.id, 1, 'damaged')
  assert.equal(loss.movements[0].kind, 'loss')
  const theft = await inv.recordLoss(coca.id, deposito.id, 1, 'other', { reason: 'rota en la descarga' })
  assert.equal(theft.movements[0].reason, 'rota en la descarga')
  const adjusted = await inv.adjust(coca.id, deposito.id, 7, { reason: 'conteo' })
  assert.deepEqual([adjusted.movements[0].kind, adjusted.movements[0].before, adjusted.movements[0].after], ['adjustment', '8', '7'])

  const batch = await inv.recordMovements([
    { kind: 'receipt', product: queso.id, location: deposito.id, quantity: '3.5', unitCost: '8000.00' },
    { kind: 'sale', product: queso.id, location: deposito.id, quantity: '0.25' },
    { kind: 'customer_return', product: queso.id, location: deposito.id, quantity: '0.125' },
    { kind: 'supplier_return', product: queso.id, location: deposito.id, quantity: '0.5' },
    { kind: 'loss', product: queso.id, location: deposito.id, quantity: '0.125', lossReason: 'expired' },
    { kind: 'adjustment', product: queso.id, location: deposito.id, delta: '-0.25', options: { reason: 'merma' } },
    { kind: 'adjustment', product: queso.id, location: deposito.id, counted: '2.75', options: { reason: 'conteo' } },
    { kind: 'transfer', product: queso.id, location: deposito.id, toLocation: salon.id, quantity: 1n },
  ])
  assert.equal(batch.length, 8)
  assert.deepEqual(batch.map((r) => r.movements.map((x) => x.kind).join('+')), [
    'receipt', 'sale', 'customer_return', 'supplier_return', 'loss', 'adjustment', 'adjustment', 'transfer_out+transfer_in',
  ])
  assert.deepEqual(batch.map((r) => r.movements.at(-1).after), ['3.5', '3.25', '3.375', '2.875', '2.75', '2.5', '2.75', '1'])
  for (const r of batch) assert.equal(r.replayed, false)
})

test('queries and reports', async () => {
  const { inv, salon, deposito, coca, queso, acme } = shared
  const rows = await inv.stock()
  const expected = new Map([
    [`${coca.id}/${deposito.id}`, '7'], [`${coca.id}/${salon.id}`, '11'],
    [`${queso.id}/${deposito.id}`, '1.75'], [`${queso.id}/${salon.id}`, '1'],
  ])
  assert.equal(rows.length, 4)
  for (const row of rows) {
    assert.equal(row.onHand, expected.get(`${row.product}/${row.location}`), `${row.sku} at ${row.locationCode}`)
    assert.equal(typeof row.unit, 'string')
    assert.equal(typeof row.name, 'string')
  }
  assert.deepEqual((await inv.stock(coca.id)).map((r) => r.onHand).sort(), ['11', '7'])
  assert.deepEqual((await inv.stock(queso.id, salon.id)).map((r) => r.onHand), ['1'])

  const agua = await inv.createProduct('BEB-AGUA-1L', 'Agua 1 L', '900.00', { minStock: 100, supplier: acme.id })
  await inv.receive(agua.id, deposito.id, 2, '400.00')
  const low = await inv.lowStock('2030-06-01')
  const aguaLow = low.find((item) => item.product === agua.id)
  assert.ok(aguaLow, JSON.stringify(low))
  assert.deepEqual([aguaLow.sku, aguaLow.name, aguaLow.onHand], ['BEB-AGUA-1L', 'Agua 1 L', '2'])
  for (const item of low) {
    for (const f of ['onHand', 'threshold', 'deficit']) isDecimal(item[f])
    assert.ok(['critical', 'warning', 'low'].includes(item.urgency), item.urgency)
  }
  assert.ok(Array.isArray(await inv.lowStock()))
  const reorder = await inv.reorderSuggestions('2030-06-01')
  const acmeGroup = reorder.find((group) => group.supplier === acme.id)
  assert.ok(acmeGroup?.lines.some((line) => line.product === agua.id), JSON.stringify(reorder))
  for (const group of reorder) {
    assert.ok(group.supplier === undefined || typeof group.supplier === 'number')
    for (const line of group.lines) for (const f of ['quantity', 'onHand', 'onOrder']) isDecimal(line[f])
  }
  assert.ok(Array.isArray(await inv.reorderSuggestions()))

  const page1 = await inv.history({ product: coca.id, limit: 3 })
  assert.equal(page1.items.length, 3)
  assert.equal(typeof page1.next, 'number')
  const page2 = await inv.history({ product: coca.id, limit: 100, before: page1.next })
  assert.ok(page2.items.length > 0)
  const ids = [...page1.items, ...page2.items].map((x) => x.id)
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first, no overlap')
  assert.equal(new Set(ids).size, ids.length)
  assert.equal(page2.next, undefined)
  const sales = await inv.history({ kind: 'sale', actor: 'caja-1', start: '2000-01-01', end: '2100-12-31' })
  assert.ok(sales.items.length >= 2)
  for (const x of sales.items) assert.equal(x.kind, 'sale')
  assert.deepEqual((await inv.history({ reference: 'REM-1' })).items.map((x) => x.kind).sort(), ['transfer_in', 'transfer_out'])
  assert.deepEqual((await inv.history({ location: salon.id, product: queso.id })).items.map((x) => x.kind), ['transfer_in'])

  isDecimal(await inv.stockValue(), 2)
  const today = inv.today()
  const top = await inv.topSold('2000-01-01', '2100-12-31', 1)
  assert.equal(top.length, 1)
  assert.deepEqual([top[0].sku, top[0].quantity], ['BEB-COCA-2L', '2'])
  assert.equal(typeof top[0].sales, 'number')
  assert.deepEqual(await inv.topSold('2000-01-01', '2000-01-02'), [])

  const summary = await inv.dashboardSummary(today)
  for (const f of ['activeSuppliers', 'ordersLast30Days', 'movementsLast7Days', 'productsBelowMinimum']) assert.equal(typeof summary[f], 'number', f)
  isDecimal(summary.unitsOrderedLast30Days)
  assert.equal(summary.activeSuppliers, 2)
  assert.equal(typeof (await inv.dashboardSummary()).movementsLast7Days, 'number')

  const stats = await inv.providerStats()
  assert.deepEqual(stats.map((s) => s.code), ['S-ACME', 'S-SIN'])
  for (const s of stats) for (const f of ['unitsOrdered', 'unitsReceived', 'orderedValue']) isDecimal(s[f])
  assert.equal(stats[0].supplier, acme.id)
  const bySupplier = await inv.stockBySupplier()
  const acmeStock = bySupplier.find((s) => s.supplier === acme.id)
  assert.deepEqual(acmeStock.onHand, [['unidad', '20']], 'coca 18 and agua 2')
  isDecimal(acmeStock.value, 2)
  const weeks = await inv.weeklySales('2000-01-01', '2100-12-31')
  assert.ok(weeks.length >= 1)
  for (const w of weeks) {
    assert.equal(typeof w.isoYear, 'number')
    assert.ok(w.isoWeek >= 1 && w.isoWeek <= 53)
    isDecimal(w.quantity)
    isDecimal(w.costOfGoods)
  }
  assert.deepEqual(await inv.verifyLedger(), { ok: true, balancesChecked: 5, movementsChecked: (await inv.history({ limit: 1000 })).items.length, discrepancies: 0 })

  const metrics = inv.metricsText()
  assert.equal(typeof metrics, 'string')
  assert.match(metrics, /inventario_/)
  const quiet = await lib.open('sqlite::memory:', { actor: 'x', masterKey: MASTER_KEY, metrics: false })
  assert.equal(quiet.metricsText(), null)
  await quiet.close()
})

test('the audit log: verify, checkpoints, events, reports, anomalies', async () => {
  const { inv } = shared
  const report = await inv.verifyAudit()
  assert.equal(report.ok, true)
  assert.equal(report.problem, undefined)
  assert.equal(report.fromSeq, 1)
  assert.ok(report.checked > 10)
  assert.equal(report.toSeq, report.checked)
  const checkpoint = await inv.auditCheckpoint()
  assert.match(checkpoint, /^-----BEGIN INVENTARIO CHECKPOINT-----\n[\s\S]*\n-----END INVENTARIO CHECKPOINT-----\n?$/)
  await inv.createLocation('TRAS', 'Trastienda')
  const since = await inv.verifyAudit(checkpoint)
  assert.equal(since.ok, true)
  assert.ok(since.fromSeq > 1)

  const events = await inv.auditEvents(0, 5)
  assert.equal(events.length, 5)
  assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5])
  for (const e of events) {
    assert.ok(e.at instanceof Date)
    for (const f of ['actor', 'eventType', 'table', 'key', 'status', 'detail']) assert.equal(typeof e[f], 'string', f)
    JSON.parse(e.detail)
  }
  assert.deepEqual((await inv.auditEvents(5, 2)).map((e) => e.seq), [6, 7])
  assert.ok((await inv.auditEvents()).length > 10)
  // Personal data never reaches the audit log.
  const all = JSON.stringify(await inv.auditEvents(0, 1000))
  for (const secret of ['12345678', 'ventas@acme.com.ar', 'Pérez', '4444-5555']) assert.ok(!all.includes(secret), secret)
  assert.ok(all.includes('supervisor'), 'actingAs records its actor')

  // Events of the application's own, e.g. failed logins, which the detectors look at.
  const first = await inv.recordAuditEvent('LOGIN_FAILED', {
    table: 'usuarios', key: 'caja-9', failed: true, detail: JSON.stringify({ ip: '10.1.2.3' }),
  })
  assert.equal(typeof first, 'number')
  for (let i = 0; i < 6; i++) {
    await inv.recordAuditEvent('LOGIN_FAILED', { failed: true, detail: JSON.stringify({ ip: '10.1.2.3' }) })
  }
  assert.equal(await inv.recordAuditEvent('DATA_EXPORT'), first + 7)
  const [recorded] = await inv.auditEvents(first - 1, 1)
  assert.deepEqual(
    { seq: recorded.seq, eventType: recorded.eventType, table: recorded.table, key: recorded.key, status: recorded.status, detail: JSON.parse(recorded.detail) },
    { seq: first, eventType: 'LOGIN_FAILED', table: 'usuarios', key: 'caja-9', status: 'FAILED', detail: { ip: '10.1.2.3' } },
  )
  await assert.rejects(inv.recordAuditEvent('LOGIN_FAILED', { detail: 'not json' }), { code: 'E_VALIDATION' })

  const start = new Date(Date.now() - 3600_000)
  const end = new Date(Date.now() + 3600_000)
  const json = JSON.parse(await inv.auditReport(start, end))
  assert.ok(json.total_events > 10)
  assert.equal(typeof JSON.parse(await inv.auditReport(start, end, 'json')).total_events, 'number')
  const html = await inv.auditReport(start, end, 'html')
  assert.match(html, /<html|<table|<h1/i)
  const anomalies = await inv.detectAnomalies(start)
  assert.ok(anomalies.some((a) => a.detector === 'brute_force' && a.ip === '10.1.2.3' && a.count === 7), JSON.stringify(anomalies))
  assert.ok(anomalies.some((a) => a.detector === 'brute_force' && a.actor === 'caja-1'), JSON.stringify(anomalies))
  for (const a of anomalies) {
    for (const f of ['detector', 'severity', 'message']) assert.equal(typeof a[f], 'string')
    assert.equal(typeof a.count, 'number')
  }
})

test('keyring and field ciphers of the store', async () => {
  const { inv } = shared
  const keyring = inv.keyring()
  assert.ok(keyring instanceof inventario.Keyring)
  assert.equal(keyring.mkVersion, 1)
  const keys = keyring.keys()
  for (const k of keys) {
    assert.deepEqual(Object.keys(k).sort(), ['id', 'mkVersion', 'purpose', 'scope', 'status'])
    assert.equal(typeof k.id, 'number')
  }
  assert.ok(keys.some((k) => k.purpose === 'data' && k.scope === 'global' && k.status === 'active'))

  const cipher = inv.fieldCipher()
  assert.ok(cipher instanceof inventario.FieldCipher)
  assert.equal(cipher.scope, 'global')
  const email = cipher.encryptSync('ana@example.com', 'pedidos', 'email', '17')
  assert.ok(Buffer.isBuffer(email))
  assert.equal(cipher.decryptSync(email, 'pedidos', 'email', '17'), 'ana@example.com')
  const total = await cipher.encrypt(125000n, 'pedidos', 'total', '17')
  assert.equal(await cipher.decrypt(total, 'pedidos', 'total', '17'), 125000n)
  const scan = await cipher.encrypt(Buffer.from('PDF-1.7'), 'pedidos', 'factura', '17')
  assert.deepEqual(await cipher.decrypt(scan, 'pedidos', 'factura', '17'), Buffer.from('PDF-1.7'))
  const many = await cipher.encryptMany([
    { value: 'uno', table: 'pedidos', column: 'nota', rowKey: '1' },
    { value: 2n, table: 'pedidos', column: 'cantidad', rowKey: '2' },
    { value: Buffer.from([3]), table: 'pedidos', column: 'blob', rowKey: '3' },
  ])
  assert.equal(many.length, 3)
  assert.deepEqual(await cipher.decryptMany([
    { envelope: many[0], table: 'pedidos', column: 'nota', rowKey: '1' },
    { envelope: many[1], table: 'pedidos', column: 'cantidad', rowKey: '2' },
    { envelope: many[2], table: 'pedidos', column: 'blob', rowKey: '3' },
  ]), ['uno', 2n, Buffer.from([3])])
  assert.deepEqual(await cipher.encryptMany([]), [])
  assert.deepEqual(await cipher.decryptMany([]), [])

  await keyring.addBlindIndex('pedidos', 'email')
  await keyring.addBlindIndex('pedidos', 'email')
  const index = cipher.blindIndex('pedidos', 'email', ' Ana@Example.com ', 'email')
  assert.equal(index.length, 16)
  assert.deepEqual(cipher.blindIndex('pedidos', 'email', 'ana@example.com', 'email', 16), index)
  assert.equal(cipher.blindIndex('pedidos', 'email', 'ana@example.com', 'email', 32).length, 32)
  assert.notDeepEqual(cipher.blindIndex('pedidos', 'email', ' Ana@Example.com '), index, 'exact is the default')

  const scopeKey = await keyring.createScope('sucursal-norte')
  assert.equal(typeof scopeKey, 'number')
  assert.equal(await keyring.createScope('sucursal-norte'), scopeKey, 'an existing scope keeps its key')
  const norte = cipher.withScope('sucursal-norte')
  assert.equal(norte.scope, 'sucursal-norte')
  assert.equal(keyring.fieldCipher('sucursal-norte').scope, 'sucursal-norte')
  assert.equal(inv.fieldCipher('sucursal-norte').scope, 'sucursal-norte')
  assert.equal(keyring.fieldCipher().scope, 'global')
  const sealed = norte.encryptSync('solo norte', 'notas', 'texto', '1')
  assert.equal(lib.envelopeKeyId(sealed), scopeKey)
  assert.equal(cipher.decryptSync(sealed, 'notas', 'texto', '1'), 'solo norte', 'any cipher of the keyring opens it')

  const rotation = await keyring.rotateDataKey()
  assert.equal(typeof rotation.keyId, 'number')
  assert.equal(typeof rotation.jobId, 'number')
  assert.equal(lib.envelopeKeyId(cipher.encryptSync('x', 't', 'c', 'r')), rotation.keyId, 'new envelopes use the new key')
  assert.equal(cipher.decryptSync(email, 'pedidos', 'email', '17'), 'ana@example.com', 'old envelopes still open')
  const progress = []
  const reports = await keyring.reencrypt(1, (p) => progress.push(p))
  assert.ok(reports.length >= 1)
  assert.deepEqual(Object.keys(reports[0]).sort(), ['activeKey', 'jobId', 'rowsDone', 'scope'])
  assert.equal(reports[0].jobId, rotation.jobId)
  assert.equal(reports[0].activeKey, rotation.keyId)
  assert.deepEqual(await keyring.reencrypt(), [], 'nothing left to do')
  await new Promise((resolve) => setTimeout(resolve, 20))
  assert.ok(progress.length >= 1)
  assert.deepEqual(Object.keys(progress[0]).sort(), ['column', 'columnsDone', 'columnsTotal', 'jobId', 'rowsDone', 'scope'])
  const norteRotation = await keyring.rotateDataKey('sucursal-norte')
  assert.notEqual(norteRotation.keyId, scopeKey)
  await keyring.reencrypt(10)

  const destroyed = await keyring.destroyScope('sucursal-norte')
  assert.deepEqual(destroyed.sort(), [scopeKey, norteRotation.keyId].sort())
  assert.ok(keyring.keys().filter((k) => k.scope === 'sucursal-norte').every((k) => k.status === 'destroyed'))

  const rotated = await keyring.rotateMasterKey(NEW_MASTER_KEY)
  assert.equal(rotated.mkVersion, 2)
  assert.ok(rotated.rewrapped >= keys.length)
  assert.equal(keyring.mkVersion, 2)
  await keyring.close()
  assert.equal((await inv.locations()).length, 3, 'closing a keyring of a store leaves the store open')
  shared.email = email
})

test('openKeyring on the same file, after close()', async () => {
  const { inv, email } = shared
  await inv.close()
  const keyring = await lib.openKeyring(url, NEW_MASTER_KEY, 'sucursal-centro')
  assert.ok(keyring instanceof inventario.Keyring)
  assert.equal(keyring.mkVersion, 2)
  assert.equal(keyring.fieldCipher().decryptSync(email, 'pedidos', 'email', '17'), 'ana@example.com')
  await keyring.close()
  // Another tenant of the same file has keys of its own.
  const other = await lib.openKeyring(url, NEW_MASTER_KEY, 'sucursal-sur')
  assert.throws(
    () => other.fieldCipher().decryptSync(email, 'pedidos', 'email', '17'),
    (err) => ['E_DECRYPT', 'E_KEY_NOT_FOUND'].includes(err.code),
  )
  await other.close()
  const reopened = await lib.open(url, { actor: 'caja-2', masterKey: NEW_MASTER_KEY, tenant: 'sucursal-centro' })
  assert.equal((await reopened.verifyAudit()).ok, true)
  await reopened.close()
})

test('importLegacy: a legacy stock-service file, then the same file again', async () => {
  // The legacy file is written with Python's sqlite3 (Node 20 has no SQLite of its own).
  const legacy = path.join(dir, 'legacy.db')
  const script = `
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.executescript("""
CREATE TABLE productos (id INTEGER PRIMARY KEY, codigo TEXT, nombre TEXT, stock_actual INTEGER,
  precio_compra REAL, precio_venta REAL);
CREATE TABLE movimientos_stock (id INTEGER PRIMARY KEY, producto_id INTEGER,
  tipo_movimiento TEXT, cantidad INTEGER, timestamp TEXT);
INSERT INTO productos VALUES (1, 'yerba-1kg', 'Yerba 1 kg', 4, 2100, 3199.995);
INSERT INTO movimientos_stock VALUES (1, 1, 'salida', -2, '2024-03-02 11:00:00');
INSERT INTO movimientos_stock VALUES (2, 7, 'entrada', 1, '2024-03-02 12:00:00');
""")
conn.commit()
`
  require('node:child_process').execFileSync('python3', ['-c', script, legacy])
  const inv = await lib.open(`sqlite://${path.join(dir, 'importado.db')}?mode=rwc`, { actor: 'migracion', masterKey: MASTER_KEY })
  const report = await inv.importLegacy(legacy, { location: 'deposito' })
  assert.equal(report.layout, 'stock-service')
  assert.equal(report.location, 'DEPOSITO')
  assert.equal(report.dryRun, false)
  assert.deepEqual(report.imported, { suppliers: 0, products: 1, customers: 0, movements: 2 })
  assert.deepEqual(report.roundings, [
    { table: 'productos', id: 1, column: 'precio_venta', legacy: '3199.995', imported: '3200.00' },
  ])
  assert.deepEqual(report.findings.map((f) => [f.table, f.id, f.kind]), [['movimientos_stock', 2, 'unmatched_product']])
  assert.equal(typeof report.auditSeq, 'number')
  const yerba = await inv.productBySku('YERBA-1KG')
  assert.equal((await inv.stock(yerba.id))[0].onHand, '4')
  const again = await inv.importLegacy(legacy)
  assert.equal(again.imported.products, 0)
  assert.equal(again.alreadyImported.movements, 1)
  assert.equal(again.auditSeq, undefined)
  await assert.rejects(inv.importLegacy(path.join(dir, 'nope.db')), (err) => err.code === 'E_VALIDATION' && /not a file/.test(err.message))
  await inv.close()
})

test('privacy duties: requests, export, rectification, erasure under a hold, retention twice', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inventario-privacy-'))
  const inv = await lib.open(`sqlite://${path.join(dir, 't.db')}?mode=rwc`, { actor: 'privacidad', masterKey: MASTER_KEY })
  const ana = await inv.createCustomer('C-ANA', {
    names: '=HYPERLINK("http://x")', surname: 'Pérez', documentType: 'dni', document: '12345678',
    phone: '+54 9 11 5555-0000', email: 'ana@example.com', address: 'Calle 1',
  })
  const holidays = lib.argentinaHolidays(2025, 2025)
  assert.equal(holidays.length, 12)
  assert.ok(holidays.includes('2025-07-09'))
  assert.deepEqual(await inv.setHolidays(holidays), [])
  assert.deepEqual(await inv.holidays(), holidays)

  const erasure = await inv.recordPrivacyRequest('customer', ana.id, 'erasure', { receivedOn: '2025-07-04' })
  assert.equal(erasure.dueOn, '2025-07-14')
  assert.equal(erasure.status, 'pending')
  const access = await inv.recordPrivacyRequest('customer', ana.id, 'access', { regime: 'gdpr', receivedOn: '2025-01-31' })
  assert.equal(access.dueOn, '2025-02-28')
  const pending = await inv.pendingPrivacyRequests('2025-07-16')
  assert.deepEqual(pending.map((p) => [p.request.id, p.daysLeft, p.overdue]), [[access.id, -138, true], [erasure.id, -2, true]])
  await assert.rejects(inv.recordPrivacyRequest('customer', ana.id, 'access', { receivedOn: '2999-01-01' }),
    (err) => err.code === 'E_VALIDATION' && err.kind === 'ReceivedInFuture')

  const exported = JSON.parse(await inv.exportSubject('customer', ana.id))
  assert.equal(exported.personal_data.names, '=HYPERLINK("http://x")')
  assert.equal(exported.privacy_requests.find((r) => r.id === access.id).status, 'completed')
  const csv = await inv.exportSubjectCsv('customer', ana.id)
  assert.ok(csv.includes('"personal_data","","names","\'=HYPERLINK(""http://x"")","present"'), csv)
  assert.equal((await inv.privacyRequest(access.id)).status, 'completed')
  assert.equal(await inv.privacyRequest(9999), null)

  const fixed = await inv.rectify('customer', ana.id, { email: 'ana@nuevo.example', phone: null, documentType: 'cuil', document: '27-12345678-0' }, 'ticket 7')
  assert.deepEqual(fixed.fieldsWritten, ['document', 'email'])
  assert.deepEqual(fixed.fieldsCleared, ['phone'])
  assert.deepEqual((await inv.findCustomersByEmail('ANA@nuevo.example')).map((c) => c.id), [ana.id])
  await assert.rejects(inv.rectify('customer', ana.id, { names: null }, 't'), (err) => err.code === 'E_VALIDATION' && err.kind === 'RequiredField')

  const hold = await inv.placeLegalHold('customers', String(ana.id), 'AFIP inspection')
  const receipt = await inv.eraseSubject('customer', ana.id)
  assert.equal(receipt.refusal, 'legal_hold')
  assert.deepEqual(receipt.holds, [hold.id])
  assert.deepEqual(receipt.keptFields, ['customers.names', 'customers.surname', 'customers.document', 'customers.address'])
  assert.equal(receipt.keptScope, `fiscal:customer:${ana.id}`)
  assert.deepEqual(receipt.requestsClosed, [erasure.id])
  const closed = await inv.privacyRequest(erasure.id)
  assert.equal(closed.status, 'partially_refused')
  assert.equal(JSON.parse(closed.outcome).refusal, 'legal_hold')
  assert.deepEqual((await inv.privacyRequests('customer', ana.id)).map((r) => r.id), [erasure.id, access.id].sort((a, b) => a - b))
  assert.equal((await inv.privacyRequests()).length, 2)

  const other = await inv.createCustomer('C-BETO', { names: 'Beto' })
  const refusal = await inv.recordPrivacyRequest('customer', other.id, 'access')
  const refused = await inv.refusePrivacyRequest(refusal.id, 'identity_not_verified')
  assert.equal(refused.refusal, 'identity_not_verified')
  await assert.rejects(inv.refusePrivacyRequest(refusal.id, 'manifestly_unfounded'), (err) => err.code === 'E_VALIDATION' && err.kind === 'RequestClosed')

  assert.deepEqual(await inv.retentionPolicy(), { operationalAuditDays: 90, accessAuditDays: 365, fiscalYears: 10, backupDays: 30 })
  assert.deepEqual(await inv.setRetentionPolicy({ backupDays: 7 }), { operationalAuditDays: 90, accessAuditDays: 365, fiscalYears: 10, backupDays: 7 })
  await assert.rejects(inv.setRetentionPolicy({ fiscalYears: 0 }), (err) => err.code === 'E_VALIDATION' && err.kind === 'InvalidPolicy')
  const kept = await inv.applyRetention()
  assert.equal(kept.fiscalPartsKept, 1)
  await inv.liftLegalHold(hold.id)
  assert.equal((await inv.legalHolds())[0].liftedAt instanceof Date, true)
  const later = new Date(Date.now() + 400 * 86400e3)
  const run = await inv.applyRetention(later)
  assert.deepEqual(run.fiscalScopesDestroyed, [`fiscal:customer:${ana.id}`])
  assert.ok(run.auditPurged > 0)
  assert.ok(run.eventSeq > 0)
  const again = await inv.applyRetention(later)
  assert.equal(again.auditPurged, 0)
  assert.equal(again.eventSeq, undefined)
  assert.equal((await inv.verifyAudit()).ok, true)
  const after = JSON.parse(await inv.exportSubject('customer', ana.id))
  assert.equal(after.erased, true)
  assert.equal(after.personal_data.names, null)

  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a backup')
  const pruned = await inv.pruneBackups(dir, later)
  assert.deepEqual(pruned.removed, [])
  assert.ok(pruned.skipped.some((p) => p.endsWith('notes.txt')))
  await assert.rejects(inv.pruneBackups(path.join(dir, 'missing')), (err) => err.code === 'E_VALIDATION' && err.kind === 'BackupDirectory')
  await inv.close()
})

test('raw keys and envelope helpers', () => {
  const key = lib.DataKey(7, Buffer.alloc(32, 0xab))
  assert.ok(key instanceof inventario.DataKey)
  assert.equal(key.keyId, 7)
  const sealed = key.seal('hola', 't', 'c', 'r')
  assert.equal(key.open(sealed, 't', 'c', 'r'), 'hola')
  const text = lib.envelopeToText(sealed)
  assert.match(text, /^ic1\.[A-Za-z0-9_-]+$/)
  assert.deepEqual(lib.envelopeFromText(text), sealed)
  assert.equal(lib.envelopeKeyId(sealed), 7)
  const bik = lib.BlindIndexKey(Buffer.alloc(32, 0xcd))
  assert.ok(bik instanceof inventario.BlindIndexKey)
  assert.deepEqual(bik.index('20-12345678-6', 'digits'), bik.index('20123456786', 'digits', 16))
  assert.equal(bik.index('x', undefined, 8).length, 8)
})

test('the ES module entry point and require() give the same functions', async () => {
  const esm = await import('../index.mjs')
  for (const name of [...FUNCTIONS, ...CLASSES]) {
    assert.equal(typeof esm[name], 'function', name)
    assert.equal(esm[name], inventario[name], name)
  }
  assert.equal(esm.default, inventario)
  // The package's own name resolves through package.json "exports" to the same objects.
  assert.equal(require('inventario'), inventario)
  const self = await import('inventario')
  assert.equal(self.open, inventario.open)
  assert.equal(self.default, inventario)
  assert.deepEqual(Object.keys(inventario).sort(), [...FUNCTIONS, ...CLASSES].sort())
})

test('native.d.ts and the addon declare the same API, and this file called all of it', () => {
  const dts = declared()
  const runtime = new Set(FUNCTIONS)
  for (const name of CLASSES) {
    for (const member of Object.getOwnPropertyNames(inventario[name].prototype)) {
      if (member !== 'constructor') runtime.add(`${name}.${member}`)
    }
  }
  const dtsMembers = new Set([...dts].filter((m) => !m.endsWith('.constructor')))
  assert.deepEqual([...runtime].sort(), [...dtsMembers].sort(), 'native.d.ts and the loaded addon differ')
  for (const name of FUNCTIONS) assert.equal(typeof inventario[name], 'function')
  const missing = [...dts].filter((m) => !called.has(m))
  assert.deepEqual(missing, [], 'declared but never called by this file')
})
