'use strict'
// Money and quantities cross the boundary exactly: money is a decimal string or a bigint of
// centavos (a JS number is refused), quantities are decimal strings, bigints or integral numbers
// (a fraction as a number is refused), and every amount comes back as an exact decimal string.

const test = require('node:test')
const assert = require('node:assert/strict')

const inventario = require('..')

const MASTER_KEY = '8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76'

async function store() {
  const inv = await inventario.open('sqlite::memory:', { actor: 'caja-1', masterKey: MASTER_KEY })
  const salon = await inv.createLocation('SALON', 'Salón')
  return { inv, salon }
}

const rejectsWith = (code) => (err) => {
  assert.ok(err instanceof Error)
  assert.equal(err.code, code, err.message)
  return true
}

test('a price as a decimal string or as bigint centavos is the same price', async () => {
  const { inv } = await store()
  const a = await inv.createProduct('A-1', 'a', '3500.00')
  const b = await inv.createProduct('B-1', 'b', 350000n)
  const c = await inv.createProduct('C-1', 'c', '3500')
  const d = await inv.createProduct('D-1', 'd', '0.10')
  const e = await inv.createProduct('E-1', 'e', 10n)
  const f = await inv.createProduct('F-1', 'f', '99999999999999.99')
  assert.equal(a.salePrice, '3500.00')
  assert.equal(b.salePrice, '3500.00')
  assert.equal(c.salePrice, '3500.00')
  assert.equal(d.salePrice, '0.10')
  assert.equal(e.salePrice, '0.10')
  assert.equal(f.salePrice, '99999999999999.99', 'beyond 2^53 centavos, still exact')
  assert.equal((await inv.product(b.id)).salePrice, '3500.00', 'read back from the store')
  for (const p of await inv.products()) assert.equal(typeof p.salePrice, 'string')
  await inv.close()
})

test('a JS number as money is refused with a TypeError that says why and what to pass', async () => {
  const { inv, salon } = await store()
  await assert.rejects(inv.createProduct('A-1', 'a', 3500), (err) => {
    assert.ok(err instanceof TypeError)
    assert.equal(err.code, 'E_TYPE')
    assert.match(err.message, /salePrice/)
    assert.match(err.message, /not a number/)
    assert.match(err.message, /"3500" or 350000n/)
    return true
  })
  await assert.rejects(inv.createProduct('A-1', 'a', 0.1), rejectsWith('E_TYPE'))
  const p = await inv.createProduct('A-1', 'a', '1.00')
  await assert.rejects(inv.receive(p.id, salon.id, 1, 0.1), (err) => {
    assert.ok(err instanceof TypeError)
    assert.match(err.message, /unitCost/)
    assert.match(err.message, /"0.1" or 10n/)
    return true
  })
  await assert.rejects(
    inv.recordMovements([{ kind: 'receipt', product: p.id, location: salon.id, quantity: 1, unitCost: 2 }]),
    (err) => err instanceof TypeError && err.code === 'E_TYPE' && err.line === 0,
  )
  assert.equal((await inv.history()).items.length, 0)
  await inv.close()
})

test('more decimals than money or a cost holds are refused, not rounded', async () => {
  const { inv, salon } = await store()
  await assert.rejects(inv.createProduct('A-1', 'a', '1.005'), rejectsWith('E_VALIDATION'))
  await assert.rejects(inv.createProduct('A-1', 'a', 'ten'), rejectsWith('E_VALIDATION'))
  await assert.rejects(inv.createProduct('A-1', 'a', ''), rejectsWith('E_VALIDATION'))
  await assert.rejects(inv.createProduct('A-1', 'a', '-1.00'), rejectsWith('E_VALIDATION'))
  await assert.rejects(inv.createProduct('A-1', 'a', -100n), rejectsWith('E_VALIDATION'))
  await assert.rejects(inv.createProduct('A-1', 'a', 2n ** 70n), rejectsWith('E_VALIDATION'))
  await assert.rejects(inv.createProduct('A-1', 'a', '9'.repeat(40)), rejectsWith('E_VALIDATION'))
  const p = await inv.createProduct('A-1', 'a', '1.00')
  // A unit cost keeps 4 decimals.
  const r = await inv.receive(p.id, salon.id, 1, '0.1005')
  assert.equal(r.movements[0].unitCost, '0.1005')
  await assert.rejects(inv.receive(p.id, salon.id, 1, '0.10005'), rejectsWith('E_VALIDATION'))
  await inv.close()
})

test('quantities: decimal strings, bigints and integral numbers; fractions as numbers are refused', async () => {
  const { inv, salon } = await store()
  const queso = await inv.createProduct('QUESO-KG', 'Queso', '9800.00', { unit: 'kg', minStock: '1.5' })
  const coca = await inv.createProduct('COCA-2L', 'Coca', '3500.00', { minStock: 3n })
  const agua = await inv.createProduct('AGUA-1L', 'Agua', '900.00', { minStock: 4 })
  assert.deepEqual([queso.minStock, coca.minStock, agua.minStock], ['1.5', '3', '4'])

  const r1 = await inv.receive(queso.id, salon.id, '2.125', '8000.50')
  assert.equal(r1.movements[0].quantity, '2.125')
  const r2 = await inv.receive(queso.id, salon.id, '0.875', 800050n)
  assert.equal(r2.movements[0].unitCost, '8000.5000')
  assert.equal(r2.movements[0].before, '2.125')
  assert.equal(r2.movements[0].after, '3')
  const r3 = await inv.receive(coca.id, salon.id, 5n, '2000.00')
  const r4 = await inv.receive(coca.id, salon.id, 7, '2000.00')
  assert.deepEqual([r3.movements[0].quantity, r4.movements[0].quantity, r4.movements[0].after], ['5', '7', '12'])
  const sold = await inv.sell(queso.id, salon.id, '0.001')
  assert.deepEqual([sold.movements[0].quantity, sold.movements[0].delta, sold.movements[0].after], ['0.001', '-0.001', '2.999'])

  await assert.rejects(inv.sell(queso.id, salon.id, 0.5), (err) => err instanceof TypeError && err.code === 'E_TYPE' && /"0.5"/.test(err.message))
  await assert.rejects(inv.sell(coca.id, salon.id, 1.000001), rejectsWith('E_TYPE'))
  await assert.rejects(inv.sell(coca.id, salon.id, 2 ** 60), rejectsWith('E_TYPE'), 'beyond 2^53 a number is not exact')
  await assert.rejects(inv.sell(queso.id, salon.id, '0.0001'), rejectsWith('E_VALIDATION'), '3 decimals at most')
  await assert.rejects(inv.sell(coca.id, salon.id, '1.5'), rejectsWith('E_VALIDATION'), 'a product sold by unidad takes whole units')
  await assert.rejects(inv.sell(coca.id, salon.id, '1,5'), rejectsWith('E_VALIDATION'))
  await assert.rejects(inv.sell(coca.id, salon.id, 2n ** 64n), rejectsWith('E_VALIDATION'))

  const rows = await inv.stock(undefined, salon.id)
  const onHand = Object.fromEntries(rows.map((row) => [row.sku, [row.onHand, row.reserved, row.available]]))
  assert.deepEqual(onHand, { 'QUESO-KG': ['2.999', '0', '2.999'], 'COCA-2L': ['12', '0', '12'] })
  await inv.close()
})

test('amounts come back as exact decimal strings (no binary floating point)', async () => {
  const { inv, salon } = await store()
  const p = await inv.createProduct('CARAMELO', 'Caramelo', '0.30')
  // 0.1 + 0.2 is 0.30000000000000004 in floating point; here it is 0.30 exactly.
  const a = await inv.receive(p.id, salon.id, 1, '0.10')
  const b = await inv.receive(p.id, salon.id, 1, '0.20')
  assert.equal(a.movements[0].value, '0.10')
  assert.equal(b.movements[0].value, '0.20')
  assert.equal((await inv.product(p.id)).averageCost, '0.1500')
  assert.equal(await inv.stockValue(), '0.30')
  // A weighted average: 3 at 10.00 and 1 at 11.00 cost 10.25 each.
  const q = await inv.createProduct('YERBA', 'Yerba', '20.00')
  await inv.receive(q.id, salon.id, 3, '10.00')
  await inv.receive(q.id, salon.id, 1, 1100n)
  assert.equal((await inv.product(q.id)).averageCost, '10.2500')
  assert.equal(await inv.stockValue(), '41.30')
  const sale = await inv.sell(q.id, salon.id, 2)
  assert.equal(sale.movements[0].unitCost, '10.2500')
  assert.equal(sale.movements[0].value, '-20.50')
  assert.equal(await inv.stockValue(), '20.80')
  for (const m of (await inv.history()).items) {
    for (const field of ['quantity', 'delta', 'before', 'after', 'unitCost', 'value']) {
      assert.equal(typeof m[field], 'string', field)
      assert.match(m[field], /^-?\d+(\.\d+)?$/, `${field} = ${m[field]}`)
    }
  }
  await inv.close()
})
