'use strict'
// Demo data for the point of sale: `node seed.js` (same environment as the server), or
// `seed(inv)` from code. It creates two locations and five products and receives their opening
// stock at SALON. Running it again writes nothing: existing locations and products are kept,
// and each opening receipt carries an idempotency key.

const inventario = require('../../../bindings-node')

const LOCATIONS = [
  ['SALON', 'Salón de ventas'],
  ['DEPO', 'Depósito'],
]

// Money as decimal strings, quantities as strings or whole numbers: never a fractional number.
const PRODUCTS = [
  { sku: 'BEB-COCA-225', name: 'Coca-Cola 2,25 L', salePrice: '3500.00', minStock: 12, stock: 24, cost: '2100.00' },
  { sku: 'ALM-YERBA-1KG', name: 'Yerba mate La Virginia 1 kg', salePrice: '4200.00', minStock: 6, stock: 10, cost: '2500.00' },
  { sku: 'LAC-LECHE-1L', name: 'Leche entera La Serenísima 1 L', salePrice: '1350.00', minStock: 20, stock: 30, cost: '800.00' },
  { sku: 'LAC-QUESO-KG', name: 'Queso cremoso La Serenísima', unit: 'kg', salePrice: '9800.00', minStock: '2', stock: '4.500', cost: '6100.50' },
  { sku: 'LIM-LAVAND-1L', name: 'Lavandina suelta 1 L', salePrice: '900.00', minStock: 0, stock: 20, cost: '450.00' },
]

/** Loads the demo data; returns `{ locations: { CODE: id }, products: { SKU: id } }`. */
async function seed(inv) {
  const locations = {}
  const existing = new Map((await inv.locations()).map((l) => [l.code, l.id]))
  for (const [code, name] of LOCATIONS) {
    locations[code] = existing.get(code) ?? (await inv.createLocation(code, name)).id
  }
  const products = {}
  for (const p of PRODUCTS) {
    const found = await inv.productBySku(p.sku)
    const product =
      found ?? (await inv.createProduct(p.sku, p.name, p.salePrice, { unit: p.unit, minStock: p.minStock }))
    products[p.sku] = product.id
    await inv.receive(product.id, locations.SALON, p.stock, p.cost, {
      reference: 'stock inicial',
      idempotencyKey: `seed:opening:${p.sku}`,
    })
  }
  return { locations, products }
}

async function main() {
  const url = process.env.INVENTARIO_URL || 'sqlite://./pos.db?mode=rwc'
  const inv = await inventario.open(url, { actor: 'pos-seed' }) // key from INVENTARIO_MASTER_KEY
  try {
    const { products } = await seed(inv)
    console.log(`demo data loaded: ${Object.keys(products).length} products at SALON`)
  } finally {
    await inv.close()
  }
}

module.exports = { seed, LOCATIONS, PRODUCTS }

if (require.main === module) {
  main().catch((err) => {
    console.error(`seed: ${err.message}`)
    process.exit(1)
  })
}
