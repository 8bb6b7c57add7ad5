'use strict'
// Round trips on PostgreSQL, when INVENTARIO_TEST_PG_URL is set (e.g.
// postgres://postgres@127.0.0.1:5432/test). Each test runs in a new schema, created with psql
// and named in the URL's search_path, and dropped afterwards. Without the variable (or without
// psql) the tests are skipped, saying why.

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { execFileSync } = require('node:child_process')

const inventario = require('..')

const MASTER_KEY = '8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76'
const OTHER_MASTER_KEY = '1b2c3d4e5f60718293a4b5c6d7e8f9010a1b2c3d4e5f60718293a4b5c6d7e8f9'
const PG_ENV = 'INVENTARIO_TEST_PG_URL'
const BASE_URL = process.env[PG_ENV]

function psqlMissing() {
  try {
    execFileSync('psql', ['--version'], { stdio: 'ignore' })
    return false
  } catch {
    return true
  }
}

const skip = !BASE_URL
  ? `${PG_ENV} is not set (e.g. postgres://postgres@127.0.0.1:5432/test): PostgreSQL tests skipped`
  : psqlMissing()
    ? 'the psql client is not installed (it creates each test\'s schema): PostgreSQL tests skipped'
    : false

function psql(sql) {
  execFileSync('psql', [BASE_URL, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
    env: { ...process.env, PGOPTIONS: '--client-min-messages=warning' },
  })
}

// Runs `body(url)` with a URL whose search_path is a new, empty schema; drops it afterwards.
async function inSchema(body) {
  const schema = `inventario_node_${crypto.randomBytes(6).toString('hex')}`
  psql(`CREATE SCHEMA ${schema}`)
  try {
    const separator = BASE_URL.includes('?') ? '&' : '?'
    await body(`${BASE_URL}${separator}options=-c%20search_path%3D${schema}`)
  } finally {
    psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  }
}

const onHand = async (inv, product, location) => (await inv.stock(product, location))[0]?.onHand

test('PostgreSQL: stock round trip, a refused batch, idempotent replay and audit across a reopen', { skip }, async () => {
  await inSchema(async (url) => {
    const inv = await inventario.open(url, { actor: 'caja-1', masterKey: MASTER_KEY })
    const salon = await inv.createLocation('SALON', 'Salón')
    const deposito = await inv.createLocation('DEP', 'Depósito')
    const coca = await inv.createProduct('BEB-COCA-2L', 'Coca-Cola 2 L', '3500.00')
    const queso = await inv.createProduct('LAC-QUESO-KG', 'Queso', 980000n, { unit: 'kg' })
    await inv.receive(coca.id, salon.id, 24, '2100.00')
    const sale = await inv.sell(coca.id, salon.id, 3, { idempotencyKey: 't-1' })
    await inv.transfer(coca.id, salon.id, deposito.id, 5)
    await inv.receive(queso.id, deposito.id, '2.125', '8000.5')
    await assert.rejects(
      inv.recordMovements([
        { kind: 'sale', product: coca.id, location: salon.id, quantity: 1 },
        { kind: 'sale', product: coca.id, location: salon.id, quantity: 100 },
      ]),
      (err) => err.code === 'E_INSUFFICIENT_STOCK' && err.line === 1 && err.available === '15' && err.requested === '100',
    )
    const checkpoint = await inv.auditCheckpoint()
    await inv.close()

    const again = await inventario.open(url, { actor: 'caja-2', masterKey: MASTER_KEY })
    assert.equal(await onHand(again, coca.id, salon.id), '16')
    assert.equal(await onHand(again, coca.id, deposito.id), '5')
    assert.equal(await onHand(again, queso.id, deposito.id), '2.125')
    assert.equal((await again.product(queso.id)).averageCost, '8000.5000')
    const replay = await again.sell(coca.id, salon.id, 3, { idempotencyKey: 't-1' })
    assert.equal(replay.replayed, true)
    assert.equal(replay.movements[0].id, sale.movements[0].id)
    assert.deepEqual((await again.history()).items.map((m) => m.kind), ['receipt', 'transfer_in', 'transfer_out', 'sale', 'receipt'])
    assert.equal((await again.verifyLedger()).ok, true)
    assert.equal((await again.verifyAudit()).ok, true)
    assert.equal((await again.verifyAudit(checkpoint)).ok, true)
    await again.close()
  })
})

test('PostgreSQL: wrong master key, master-key rotation, erasure and openKeyring', { skip }, async () => {
  await inSchema(async (url) => {
    const inv = await inventario.open(url, { actor: 't', masterKey: MASTER_KEY })
    const ana = await inv.createCustomer('C-1', { names: 'Ana', documentType: 'dni', document: '12345678', email: 'ana@example.com' })
    const beto = await inv.createCustomer('C-2', { names: 'Beto', email: 'beto@example.com' })
    const envelope = inv.fieldCipher().encryptSync('dato propio', 'pedidos', 'nota', '1')
    assert.equal((await inv.keyring().rotateMasterKey(OTHER_MASTER_KEY)).mkVersion, 2)
    await inv.eraseSubject('customer', beto.id)
    await inv.close()

    await assert.rejects(
      inventario.open(url, { actor: 't', masterKey: MASTER_KEY }),
      (err) => err.code === 'E_DECRYPT' && err.kind === 'WrongMasterKey',
    )
    const keyring = await inventario.openKeyring(url, OTHER_MASTER_KEY)
    assert.equal(keyring.mkVersion, 2)
    assert.equal(keyring.fieldCipher().decryptSync(envelope, 'pedidos', 'nota', '1'), 'dato propio')
    await keyring.close()

    const again = await inventario.open(url, { actor: 't', masterKey: OTHER_MASTER_KEY })
    assert.equal((await again.customerIdentity(ana.id)).email, 'ana@example.com')
    assert.deepEqual((await again.findCustomersByDocument('dni', '12345678')).map((c) => c.id), [ana.id])
    await assert.rejects(again.customerIdentity(beto.id), (err) => err.code === 'E_KEY_NOT_FOUND' && err.kind === 'KeyDestroyed')
    assert.equal((await again.verifyAudit()).ok, true)
    await again.close()
  })
})
