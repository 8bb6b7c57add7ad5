'use strict'
// Every error code that JS can trigger, with its fields: E_VALIDATION, E_TYPE (a TypeError),
// E_INSUFFICIENT_STOCK, E_IDEMPOTENCY_CONFLICT, E_DECRYPT, E_KEY_NOT_FOUND, E_AUDIT, E_STORE,
// E_CLOSED. (E_INTERNAL is a caught panic: no call is known to cause one, and the robustness
// test asserts that none does.) Refused commands write nothing.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const inventario = require('..')

const MASTER_KEY = '8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76'
const OTHER_MASTER_KEY = '1b2c3d4e5f60718293a4b5c6d7e8f9010a1b2c3d4e5f60718293a4b5c6d7e8f9'

// A matcher for assert.rejects/throws: an Error (a TypeError for E_TYPE) with `code` and the
// given fields.
function coded(code, fields = {}) {
  return (err) => {
    assert.ok(err instanceof Error, `not an Error: ${err}`)
    assert.equal(err.code, code, `${err.code}: ${err.message}`)
    assert.equal(err instanceof TypeError, code === 'E_TYPE', `TypeError iff E_TYPE (${err.message})`)
    assert.equal(typeof err.message, 'string')
    assert.ok(err.message.length > 0)
    assert.ok(!err.message.includes('\u0000inventario:'), 'the JSON marker never leaks into the message')
    for (const [name, value] of Object.entries(fields)) {
      if (value instanceof RegExp) assert.match(String(err[name]), value, name)
      else assert.deepEqual(err[name], value, `${name} of ${err.message}`)
    }
    return true
  }
}

async function shop() {
  const inv = await inventario.open('sqlite::memory:', { actor: 'caja-1', masterKey: MASTER_KEY })
  const salon = await inv.createLocation('SALON', 'Salón de ventas')
  const deposito = await inv.createLocation('DEP', 'Depósito')
  const coca = await inv.createProduct('BEB-COCA-2L', 'Coca-Cola 2 L', '3500.00')
  const queso = await inv.createProduct('LAC-QUESO-KG', 'Queso por kilo', '9800.00', { unit: 'kg' })
  await inv.receive(coca.id, salon.id, 10, '2100.00')
  return { inv, salon, deposito, coca, queso }
}

async function snapshot(inv) {
  return { stock: await inv.stock(), history: (await inv.history({ limit: 1000 })).items.length }
}

test('E_VALIDATION: bad SKU, CUIT, unit, date range and other refused values, with kind', async () => {
  const { inv, salon, coca } = await shop()
  await assert.rejects(inv.createProduct('bad sku!', 'x', '1.00'), coded('E_VALIDATION', { kind: /\w+/, message: /SKU/ }))
  await assert.rejects(inv.productBySku('ñandú'), coded('E_VALIDATION', { message: /SKU/ }))
  await assert.rejects(inv.createProduct('BEB-COCA-2L', 'again', '1.00'), coded('E_VALIDATION', { kind: /\w+/ }))
  await assert.rejects(inv.createSupplier('S-1', 'Acme', { cuit: '20-12345678-0' }), coded('E_VALIDATION', { message: /CUIT/ }))
  await assert.rejects(inv.findSupplierByCuit('123'), coded('E_VALIDATION', { message: /CUIT/ }))
  await assert.rejects(inv.createProduct('X-1', 'x', '1.00', { unit: 'parsec' }), coded('E_VALIDATION', { message: /unit/ }))
  await assert.rejects(inv.topSold('2024-02-01', '2024-01-01'), coded('E_VALIDATION', { kind: 'InvalidArgument', message: /before/ }))
  await assert.rejects(inv.weeklySales('2024-02-01', '2024-01-31'), coded('E_VALIDATION', { message: /before/ }))
  await assert.rejects(inv.history({ start: '2024-02-01', end: '2024-01-01' }), coded('E_VALIDATION'))
  await assert.rejects(inv.lowStock('2024-13-01'), coded('E_VALIDATION', { message: /date/ }))
  await assert.rejects(inv.recordLoss(coca.id, salon.id, 1, 'meteor'), coded('E_VALIDATION', { message: /loss reason/ }))
  await assert.rejects(inv.recordLoss(coca.id, salon.id, 1, 'other'), coded('E_VALIDATION'), 'other needs a reason')
  await assert.rejects(inv.sell(coca.id, salon.id, 0), coded('E_VALIDATION', { message: /greater than zero/ }))
  await assert.rejects(inv.sell(coca.id, salon.id, -1), coded('E_VALIDATION'))
  await assert.rejects(inv.sell(9999, salon.id, 1), coded('E_VALIDATION', { kind: 'ProductNotFound' }))
  await assert.rejects(inv.eraseSubject('martian', 1), coded('E_VALIDATION', { kind: 'InvalidArgument' }))
  await assert.rejects(inv.auditReport(new Date(), new Date(), 'pdf'), coded('E_VALIDATION'))
  await assert.rejects(inventario.open('sqlite::memory:', { actor: '', masterKey: MASTER_KEY }), coded('E_VALIDATION', { kind: 'InvalidActor' }))
  await assert.rejects(inventario.open('sqlite::memory:', { actor: 'a', masterKey: 'too short' }), coded('E_VALIDATION', { kind: 'InvalidKeyMaterial' }))
  assert.deepEqual((await inv.products()).map((p) => p.sku), ['BEB-COCA-2L', 'LAC-QUESO-KG'], 'nothing was created')
  await inv.close()
})

test('E_TYPE: a JS number as money, a float quantity, a string id, a missing argument', async () => {
  const { inv, salon, coca } = await shop()
  await assert.rejects(
    inv.createProduct('X-1', 'x', 3500),
    coded('E_TYPE', { message: /number/ }),
  )
  await assert.rejects(inv.receive(coca.id, salon.id, 1, 2100.5), coded('E_TYPE', { message: /not a number.*"2100.5"/s }))
  await assert.rejects(inv.sell(coca.id, salon.id, 1.5), coded('E_TYPE', { message: /1\.5/ }))
  await assert.rejects(inv.sell(coca.id, salon.id, Number.NaN), coded('E_TYPE'))
  await assert.rejects(inv.sell(coca.id, salon.id, Infinity), coded('E_TYPE'))
  await assert.rejects(inv.product('1'), coded('E_TYPE'))
  await assert.rejects(inv.sell(String(coca.id), salon.id, 1), coded('E_TYPE'))
  await assert.rejects(inv.product(1n), coded('E_TYPE'))
  await assert.rejects(inv.createLocation(), coded('E_TYPE'))
  await assert.rejects(inv.createLocation(42, 'x'), coded('E_TYPE'))
  await assert.rejects(inventario.open('sqlite::memory:', { masterKey: MASTER_KEY }), coded('E_TYPE', { message: /actor/ }))
  await assert.rejects(inv.receive(coca.id, salon.id, 1, '1', { occurredAt: new Date(Number.NaN) }), coded('E_TYPE'), 'an Invalid Date is not the epoch')
  await assert.rejects(inv.auditReport(new Date('nope'), new Date()), coded('E_TYPE'))
  await assert.rejects(inv.auditReport('2024-01-01', new Date()), coded('E_TYPE'))
  assert.throws(() => inv.fieldCipher().encryptSync(3.5, 't', 'c', 'r'), coded('E_TYPE'))
  assert.throws(() => inventario.envelopeToText('ic1.x'), coded('E_TYPE'))
  // Async methods return a Promise even when an argument's type is refused.
  const refused = inv.product('1')
  assert.ok(refused instanceof Promise)
  await assert.rejects(refused, coded('E_TYPE'))
  assert.equal((await inv.history()).items.length, 1, 'nothing was written')
  await inv.close()
})

test('E_INSUFFICIENT_STOCK carries available and requested as decimal strings', async () => {
  const { inv, salon, coca, queso } = await shop()
  const before = await snapshot(inv)
  await assert.rejects(
    inv.sell(coca.id, salon.id, 11),
    coded('E_INSUFFICIENT_STOCK', { kind: 'InsufficientStock', available: '10', requested: '11' }),
  )
  await inv.receive(queso.id, salon.id, '2.125', '8000.5')
  await assert.rejects(
    inv.sell(queso.id, salon.id, '2.5'),
    coded('E_INSUFFICIENT_STOCK', { available: '2.125', requested: '2.5' }),
  )
  // A reservation holds stock: what is available drops.
  await inv.reserve(coca.id, salon.id, 4, 'pedido-7')
  await assert.rejects(inv.sell(coca.id, salon.id, 7), coded('E_INSUFFICIENT_STOCK', { available: '6', requested: '7' }))
  const after = await snapshot(inv)
  assert.equal(after.history, before.history + 1, 'only the receipt was written')
  assert.equal((await inv.stock(coca.id, salon.id))[0].onHand, '10')
  await inv.close()
})

test('E_IDEMPOTENCY_CONFLICT for the same key with another payload; the same payload replays', async () => {
  const { inv, salon, coca } = await shop()
  const first = await inv.sell(coca.id, salon.id, 2, { idempotencyKey: 'venta-0001' })
  assert.equal(first.replayed, false)
  const replay = await inv.sell(coca.id, salon.id, 2, { idempotencyKey: 'venta-0001' })
  assert.equal(replay.replayed, true)
  assert.deepEqual(replay.movements.map((m) => m.id), first.movements.map((m) => m.id))
  assert.equal(replay.movements[0].idempotencyKey, 'venta-0001')
  await assert.rejects(
    inv.sell(coca.id, salon.id, 3, { idempotencyKey: 'venta-0001' }),
    coded('E_IDEMPOTENCY_CONFLICT', { key: 'venta-0001' }),
  )
  await assert.rejects(
    inv.receive(coca.id, salon.id, 2, '1.00', { idempotencyKey: 'venta-0001' }),
    coded('E_IDEMPOTENCY_CONFLICT', { key: 'venta-0001' }),
  )
  assert.equal((await inv.stock(coca.id, salon.id))[0].onHand, '8', 'one sale of 2, nothing else')
  await inv.close()
})

test('E_DECRYPT: a field opened in another context; a store reopened with another master key', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inventario-errors-'))
  const url = `sqlite://${path.join(dir, 'tienda.db')}?mode=rwc`
  try {
    const inv = await inventario.open(url, { actor: 'caja-1', masterKey: MASTER_KEY })
    const cipher = inv.fieldCipher()
    const envelope = cipher.encryptSync('20-12345678-6', 'clientes', 'cuit', '42')
    assert.throws(() => cipher.decryptSync(envelope, 'clientes', 'cuit', '43'), coded('E_DECRYPT', { kind: 'AuthenticationFailed' }))
    assert.throws(() => cipher.decryptSync(envelope, 'clientes', 'dni', '42'), coded('E_DECRYPT', { kind: 'AuthenticationFailed' }))
    await assert.rejects(cipher.decrypt(envelope, 'proveedores', 'cuit', '42'), coded('E_DECRYPT', { kind: 'AuthenticationFailed' }))
    const tampered = Buffer.from(envelope)
    tampered[tampered.length - 1] ^= 1
    assert.throws(() => cipher.decryptSync(tampered, 'clientes', 'cuit', '42'), coded('E_DECRYPT', { kind: 'AuthenticationFailed' }))
    assert.throws(() => cipher.decryptSync(envelope.subarray(0, 20), 'clientes', 'cuit', '42'), coded('E_DECRYPT', { kind: 'Malformed' }))
    // The per-field calls read their Buffers in place: other types are E_TYPE, and a view into
    // a larger buffer opens like the Buffer it shows.
    assert.throws(() => cipher.decryptSync(envelope.toString('hex'), 'clientes', 'cuit', '42'), coded('E_TYPE'))
    assert.throws(() => cipher.encryptSync(42, 'clientes', 'cuit', '42'), coded('E_TYPE'))
    const framed = Buffer.concat([Buffer.from([1, 2, 3]), envelope, Buffer.from([4])])
    assert.equal(cipher.decryptSync(framed.subarray(3, 3 + envelope.length), 'clientes', 'cuit', '42'), '20-12345678-6')
    await assert.rejects(
      cipher.decryptMany([
        { envelope, table: 'clientes', column: 'cuit', rowKey: '42' },
        { envelope, table: 'clientes', column: 'cuit', rowKey: '7' },
      ]),
      coded('E_DECRYPT', { kind: 'AuthenticationFailed', index: 1 }),
    )
    await inv.createCustomer('C-1', { names: 'Ana', email: 'ana@example.com' })
    await inv.close()

    await assert.rejects(
      inventario.open(url, { actor: 'caja-1', masterKey: OTHER_MASTER_KEY }),
      coded('E_DECRYPT', { kind: 'WrongMasterKey' }),
    )
    await assert.rejects(inventario.openKeyring(url, OTHER_MASTER_KEY), coded('E_DECRYPT', { kind: 'WrongMasterKey' }))
    // The right key still opens it, and the field still decrypts.
    const again = await inventario.open(url, { actor: 'caja-2', masterKey: MASTER_KEY })
    assert.equal(again.fieldCipher().decryptSync(envelope, 'clientes', 'cuit', '42'), '20-12345678-6')
    await again.close()
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('E_KEY_NOT_FOUND: an erased customer or supplier, a destroyed scope, an unknown key id', async () => {
  const { inv } = await shop()
  const ana = await inv.createCustomer('C-1', {
    names: 'Ana', surname: 'Pérez', documentType: 'dni', document: '12345678', email: 'ana@example.com',
  })
  assert.equal((await inv.customerIdentity(ana.id)).names, 'Ana')
  const receipt = await inv.eraseSubject('customer', ana.id)
  assert.equal(receipt.destroyedKeys.length, 1)
  await assert.rejects(
    inv.customerIdentity(ana.id),
    coded('E_KEY_NOT_FOUND', { kind: 'KeyDestroyed', keyId: receipt.destroyedKeys[0] }),
  )
  assert.deepEqual(await inv.findCustomersByEmail('ana@example.com'), [], 'its blind indexes are gone')
  assert.ok((await inv.customer(ana.id)).erasedAt instanceof Date)

  const acme = await inv.createSupplier('S-1', 'Acme SA', { cuit: '20-12345678-6', phone: '+54 11 4444-5555' })
  const erased = await inv.eraseSubject('supplier', acme.id)
  await assert.rejects(inv.supplierContact(acme.id), coded('E_KEY_NOT_FOUND', { kind: 'KeyDestroyed', keyId: erased.destroyedKeys[0] }))
  assert.equal(await inv.findSupplierByCuit('20-12345678-6'), null)

  const keyring = inv.keyring()
  const scopeKey = await keyring.createScope('sucursal-norte')
  const cipher = inv.fieldCipher('sucursal-norte')
  const envelope = cipher.encryptSync(125000n, 'ventas', 'total', '1')
  assert.equal(inventario.envelopeKeyId(envelope), scopeKey)
  assert.deepEqual(await keyring.destroyScope('sucursal-norte'), [scopeKey])
  assert.throws(() => cipher.decryptSync(envelope, 'ventas', 'total', '1'), coded('E_KEY_NOT_FOUND', { kind: 'KeyDestroyed', keyId: scopeKey }))
  await assert.rejects(cipher.decrypt(envelope, 'ventas', 'total', '1'), coded('E_KEY_NOT_FOUND', { kind: 'KeyDestroyed' }))

  const foreign = new inventario.DataKey(9999, Buffer.alloc(32, 1)).seal('x', 't', 'c', 'r')
  assert.throws(() => inv.fieldCipher().decryptSync(foreign, 't', 'c', 'r'), coded('E_KEY_NOT_FOUND', { kind: 'UnknownKey', keyId: 9999 }))
  await inv.close()
})

test('E_AUDIT: verifyAudit of a checkpoint that is garbage, forged, or of another store', async () => {
  const { inv } = await shop()
  await assert.rejects(inv.verifyAudit('garbage'), coded('E_AUDIT', { message: /checkpoint/ }))
  const checkpoint = await inv.auditCheckpoint()
  assert.equal((await inv.verifyAudit(checkpoint)).ok, true)
  const forged = checkpoint.replace(/^(signature: )(.)/m, (_, label, c) => label + (c === '0' ? '1' : '0'))
  assert.notEqual(forged, checkpoint)
  await assert.rejects(inv.verifyAudit(forged), coded('E_AUDIT', { message: /signature/ }))
  const other = await inventario.open('sqlite::memory:', { actor: 'x', masterKey: MASTER_KEY })
  await assert.rejects(other.verifyAudit(checkpoint), coded('E_AUDIT', { message: /another store/ }))
  await other.close()
  await inv.close()
})

test('E_STORE: an unreachable PostgreSQL, an unsupported URL, a missing SQLite directory', async () => {
  await assert.rejects(
    inventario.open('postgres://nobody@127.0.0.1:1/x', { actor: 'a', masterKey: MASTER_KEY }),
    coded('E_STORE', { message: /database|connect/i }),
  )
  await assert.rejects(inventario.openKeyring('postgres://nobody@127.0.0.1:1/x', MASTER_KEY), coded('E_STORE'))
  await assert.rejects(inventario.open('mysql://localhost/x', { actor: 'a', masterKey: MASTER_KEY }), coded('E_STORE', { message: /URL/ }))
  await assert.rejects(
    inventario.open('sqlite:///nonexistent-dir-inventario/x.db?mode=rwc', { actor: 'a', masterKey: MASTER_KEY }),
    coded('E_STORE'),
  )
})

test('E_CLOSED: every call after close(); closing twice is allowed', async () => {
  const { inv, salon, coca } = await shop()
  const keyring = await inventario.openKeyring('sqlite::memory:', MASTER_KEY)
  // Closing a handle made by actingAs closes only that handle.
  const supervisor = inv.actingAs('supervisor')
  await supervisor.close()
  await assert.rejects(supervisor.locations(), coded('E_CLOSED'))
  assert.throws(() => supervisor.actor, coded('E_CLOSED'))
  assert.equal((await inv.locations()).length, 2, 'the handle open() gave stays open')
  await inv.close()
  await inv.close()
  await assert.rejects(inv.locations(), coded('E_CLOSED'))
  await assert.rejects(inv.sell(coca.id, salon.id, 1), coded('E_CLOSED'))
  await assert.rejects(inv.product(coca.id), coded('E_CLOSED'))
  await assert.rejects(inv.verifyAudit(), coded('E_CLOSED'))
  assert.throws(() => inv.actor, coded('E_CLOSED'))
  assert.throws(() => inv.keyring(), coded('E_CLOSED'))
  assert.throws(() => inv.fieldCipher(), coded('E_CLOSED'))
  assert.throws(() => inv.metricsText(), coded('E_CLOSED'))
  assert.throws(() => inv.actingAs('otro'), coded('E_CLOSED'))

  await keyring.close()
  await keyring.close()
  assert.throws(() => keyring.keys(), coded('E_CLOSED'))
  assert.throws(() => keyring.mkVersion, coded('E_CLOSED'))
  await assert.rejects(keyring.createScope('x'), coded('E_CLOSED'))
  await assert.rejects(keyring.reencrypt(), coded('E_CLOSED'))
})

test('recordMovements: a refused line names its `line`, and nothing of the batch is written', async () => {
  const { inv, salon, deposito, coca } = await shop()
  const before = await snapshot(inv)
  // Refused while reading the batch (an unknown kind on line 2).
  await assert.rejects(
    inv.recordMovements([
      { kind: 'receipt', product: coca.id, location: salon.id, quantity: 5, unitCost: '2000.00' },
      { kind: 'transfer', product: coca.id, location: salon.id, toLocation: deposito.id, quantity: 2 },
      { kind: 'teleport', product: coca.id, location: salon.id, quantity: 1 },
    ]),
    coded('E_VALIDATION', { line: 2, message: /^line 2: / }),
  )
  // A bad value type on line 1.
  await assert.rejects(
    inv.recordMovements([
      { kind: 'sale', product: coca.id, location: salon.id, quantity: 1 },
      { kind: 'sale', product: coca.id, location: salon.id, quantity: 0.5 },
    ]),
    coded('E_TYPE', { line: 1 }),
  )
  // Refused by a rule inside the transaction, after line 0 already ran in it.
  await assert.rejects(
    inv.recordMovements([
      { kind: 'receipt', product: coca.id, location: salon.id, quantity: 5, unitCost: '2000.00' },
      { kind: 'sale', product: coca.id, location: salon.id, quantity: 16 },
    ]),
    coded('E_INSUFFICIENT_STOCK', { line: 1, available: '15', requested: '16' }),
  )
  await assert.rejects(
    inv.recordMovements([
      { kind: 'sale', product: coca.id, location: salon.id, quantity: 1 },
      { kind: 'adjustment', product: coca.id, location: salon.id, counted: 3, delta: 1 },
    ]),
    coded('E_VALIDATION', { line: 1 }),
  )
  assert.deepEqual(await snapshot(inv), before, 'nothing was written')
  assert.equal((await inv.verifyLedger()).ok, true)
  await inv.close()
})
