// The ES module entry point: static imports of index.mjs and of the package's own name (through
// package.json "exports") give the objects of the CommonJS entry point, and they work.
import test from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

import inventarioDefault, {
  open, openKeyring, envelopeToText, envelopeFromText, envelopeKeyId, argentinaHolidays,
  Inventory, Keyring, FieldCipher, DataKey, BlindIndexKey,
} from '../index.mjs'
import * as byName from 'inventario'

const require = createRequire(import.meta.url)
const cjs = require('..')
const MASTER_KEY = '8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76'

test('index.mjs and import "inventario" export what require("inventario") does', () => {
  const named = { open, openKeyring, envelopeToText, envelopeFromText, envelopeKeyId, argentinaHolidays, Inventory, Keyring, FieldCipher, DataKey, BlindIndexKey }
  assert.deepEqual(Object.keys(named).sort(), Object.keys(cjs).sort())
  for (const [name, value] of Object.entries(named)) {
    assert.equal(typeof value, 'function', name)
    assert.equal(value, cjs[name], name)
    assert.equal(byName[name], cjs[name], name)
  }
  assert.equal(inventarioDefault, cjs)
  assert.equal(byName.default, cjs)
  assert.equal(require('inventario'), cjs)
})

test('a round trip through the ES module entry point', async () => {
  const inv = await open('sqlite::memory:', { actor: 'esm', masterKey: MASTER_KEY })
  assert.ok(inv instanceof Inventory)
  const salon = await inv.createLocation('SALON', 'Salón')
  const p = await inv.createProduct('ESM-1', 'Módulo', 125000n)
  assert.equal(p.salePrice, '1250.00')
  await inv.receive(p.id, salon.id, '3', '900.00')
  assert.equal((await inv.stock(p.id))[0].onHand, '3')
  await assert.rejects(inv.sell(p.id, salon.id, 4), { code: 'E_INSUFFICIENT_STOCK', available: '3', requested: '4' })
  assert.ok(inv.keyring() instanceof Keyring)
  const cipher = inv.fieldCipher()
  assert.ok(cipher instanceof FieldCipher)
  const envelope = await cipher.encrypt('hola', 't', 'c', '1')
  assert.equal(envelopeKeyId(envelopeFromText(envelopeToText(envelope))), envelopeKeyId(envelope))
  assert.equal(await cipher.decrypt(envelope, 't', 'c', '1'), 'hola')
  await inv.close()
  const keyring = await openKeyring('sqlite::memory:', MASTER_KEY)
  assert.equal(keyring.mkVersion, 1)
  await keyring.close()
  const key = new DataKey(3, Buffer.alloc(32, 3))
  assert.equal(key.open(key.seal(42n, 't', 'c', 'r'), 't', 'c', 'r'), 42n)
  assert.equal(new BlindIndexKey(Buffer.alloc(32)).index('x').length, 16)
  assert.throws(() => new DataKey(1, Buffer.alloc(1)), (err) => err instanceof Error && err.code === 'E_VALIDATION')
})
