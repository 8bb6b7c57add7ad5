'use strict'
// No argument takes the process down. Every exported function, constructor, method and getter
// (enumerated from the module and the classes' prototypes, not listed by hand) is called with
// garbage: no arguments, garbage in every position, garbage in one position of otherwise valid
// arguments, garbage in each field of object arguments, and the wrong `this`. Each call must
// return, resolve, or throw/reject an Error whose `code` is one of the documented codes (a
// TypeError for E_TYPE), and never E_INTERNAL (a caught panic). Methods that native.d.ts declares
// as returning a Promise must return one for any argument (never throw); the others must never
// return a Promise.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const inventario = require('..')

const MASTER_KEY = '8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76'
const NEW_MASTER_KEY = '1b2c3d4e5f60718293a4b5c6d7e8f9010a1b2c3d4e5f60718293a4b5c6d7e8f9'
const CODES = new Set([
  'E_VALIDATION', 'E_TYPE', 'E_INSUFFICIENT_STOCK', 'E_IDEMPOTENCY_CONFLICT', 'E_DECRYPT',
  'E_KEY_NOT_FOUND', 'E_AUDIT', 'E_STORE', 'E_CLOSED', 'E_INTERNAL',
])

const HUGE = 'x'.repeat(1 << 20)
const GARBAGE = [
  ['undefined', undefined],
  ['null', null],
  ['{}', {}],
  ['[]', []],
  ['NaN', Number.NaN],
  ['-1', -1],
  ['-0.5', -0.5],
  ['1e308', 1e308],
  ['-Infinity', -Infinity],
  ['2**53 + 2', 2 ** 53 + 2],
  ['""', ''],
  ['1 MiB string', HUGE],
  ['NUL in string', 'a\u0000b'],
  ['lone surrogate', '\ud800'],
  ['Symbol', Symbol('garbage')],
  ['true', true],
  ['123n', 123n],
  ['-(2n**70n)', -(2n ** 70n)],
  ['empty Buffer', Buffer.alloc(0)],
  ['Uint8Array', new Uint8Array(5)],
  ['function', () => 'garbage'],
  ['Invalid Date', new Date(Number.NaN)],
  ['Date beyond range', new Date(8.64e15)],
  ['null-prototype object', Object.create(null)],
  ['[null]', [null]],
  ['[{}]', [{}]],
  ['object of wrong fields', { kind: 1, product: 'x', location: {}, envelope: 5, value: {}, table: null, names: 7 }],
  ['Promise', Promise.resolve(1)],
  ['Map', new Map([[1, 2]])],
]

// What native.d.ts declares: for each `Class.member` or function, whether it returns a Promise.
function declaredReturns() {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'native.d.ts'), 'utf8')
  const returns = new Map()
  for (const match of dts.matchAll(/^export declare class (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const [, cls, body] = match
    for (const line of body.split('\n')) {
      const member = /^ {2}(get )?(\w+)\((.*)\): (.+)$/.exec(line)
      if (member && member[2] !== 'constructor') returns.set(`${cls}.${member[2]}`, member[4].startsWith('Promise<'))
    }
  }
  for (const match of dts.matchAll(/^export declare function (\w+)\(.*\): (.+)$/gm)) {
    returns.set(match[1], match[2].startsWith('Promise<'))
  }
  return returns
}

function describe(value) {
  if (typeof value === 'symbol') return value.toString()
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') return value.length > 40 ? `<string of ${value.length}>` : JSON.stringify(value)
  if (typeof value === 'function') return '<function>'
  if (Buffer.isBuffer(value)) return `<Buffer ${value.length}>`
  try {
    const text = JSON.stringify(value)
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 60)}…` : text
  } catch {
    return Object.prototype.toString.call(value)
  }
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof Date)

// Every call's outcome, checked; violations are collected and reported together.
class Probe {
  constructor(returns) {
    this.returns = returns
    this.calls = 0
    this.problems = []
    this.internal = []
    this.opened = []
  }

  checkError(label, err) {
    if (!(err instanceof Error)) {
      this.problems.push(`${label}: threw a non-Error ${describe(err)}`)
      return
    }
    if (typeof err.code !== 'string' || !CODES.has(err.code)) {
      this.problems.push(`${label}: ${err.constructor.name} without a documented code (${err.code}): ${err.message}`)
      return
    }
    if ((err.code === 'E_TYPE') !== (err instanceof TypeError)) {
      this.problems.push(`${label}: ${err.code} is ${err instanceof TypeError ? '' : 'not '}a TypeError`)
    }
    if (err.code === 'E_INTERNAL') this.internal.push(`${label}: ${err.message}`)
  }

  // `key` names the member in native.d.ts (`Class.member` or a function's name).
  async call(key, label, thunk) {
    this.calls += 1
    const promised = this.returns.get(key)
    let result
    try {
      result = thunk()
    } catch (err) {
      if (promised === true) this.problems.push(`${label}: threw synchronously (${err && err.code}) but returns a Promise`)
      this.checkError(label, err)
      return
    }
    const isPromise = result instanceof Promise
    if (promised !== undefined && isPromise !== promised) {
      this.problems.push(`${label}: ${isPromise ? 'returned a Promise' : 'did not return a Promise'}, native.d.ts says otherwise`)
    }
    if (isPromise) {
      try {
        result = await result
      } catch (err) {
        this.checkError(label, err)
        return
      }
    }
    if (result instanceof inventario.Inventory || result instanceof inventario.Keyring) this.opened.push(result)
  }
}

// Valid arguments for each member, against the fixture below. Extra positions get garbage too.
function validArguments(f) {
  const options = { reason: 'conteo', reference: 'REF-1', idempotencyKey: undefined }
  return {
    Inventory: {
      actor: [],
      actingAs: ['supervisor'],
      today: [],
      metricsText: [],
      keyring: [],
      fieldCipher: ['global'],
      close: [],
      createLocation: ['LOC-X', 'Nueva'],
      locations: [],
      locationByCode: ['SALON'],
      createSupplier: ['S-X', 'Acme', { cuit: '20-12345678-6', phone: '1', email: 'a@b.c', address: 'x' }],
      suppliers: [],
      supplierContact: [f.supplier.id],
      findSupplierByCuit: ['20-12345678-6'],
      createProduct: ['SKU-X', 'Producto', '10.00', { category: 'c', brand: 'b', unit: 'kg', minStock: '1.5', supplier: f.supplier.id }],
      product: [f.product.id],
      productBySku: ['SKU-1'],
      products: [true],
      receive: [f.product.id, f.salon.id, 1, '1.00', options],
      sell: [f.product.id, f.salon.id, 1, options],
      returnFromCustomer: [f.product.id, f.salon.id, 1, options],
      returnToSupplier: [f.product.id, f.salon.id, 1, options],
      recordLoss: [f.product.id, f.salon.id, 1, 'damaged', options],
      adjust: [f.product.id, f.salon.id, 50, options],
      transfer: [f.product.id, f.salon.id, f.deposito.id, 1, options],
      recordMovements: [[{ kind: 'receipt', product: f.product.id, location: f.salon.id, quantity: 1, unitCost: '1.00', options }]],
      reserve: [f.product.id, f.salon.id, 1, 'pedido'],
      releaseReservation: [f.reservation.id],
      stock: [f.product.id, f.salon.id],
      lowStock: ['2024-06-01'],
      reorderSuggestions: ['2024-06-01'],
      history: [{ product: f.product.id, location: f.salon.id, kind: 'sale', actor: 'fuzz', start: '2024-01-01', end: '2030-01-01', reference: 'R', before: 100, limit: 5 }],
      stockValue: [],
      topSold: ['2024-01-01', '2030-12-31', 5],
      dashboardSummary: ['2024-06-01'],
      providerStats: [],
      stockBySupplier: [],
      weeklySales: ['2024-01-01', '2024-12-31'],
      verifyLedger: [],
      createCustomer: ['C-X', { names: 'Ana', surname: 'P', documentType: 'dni', document: '12345678', phone: '1', email: 'a@b.c', address: 'x' }],
      customer: [f.customer.id],
      customerIdentity: [f.customer.id],
      findCustomersByEmail: ['ana@example.com'],
      findCustomersByDocument: ['dni', '12345678'],
      eraseSubject: ['customer', f.customer.id],
      importLegacy: [path.join(__dirname, 'no-such-legacy.db'), { location: 'LOCAL', dryRun: true }],
      verifyAudit: [f.checkpoint],
      auditCheckpoint: [],
      auditEvents: [0, 5],
      auditReport: [new Date(Date.now() - 3600e3), new Date(), 'html'],
      recordAuditEvent: ['LOGIN_FAILED', { table: 't', key: 'k', failed: true, detail: '{"ip":"10.0.0.1"}' }],
      detectAnomalies: [new Date(Date.now() - 3600e3)],
      placeLegalHold: ['customers', String(f.customer.id), 'AFIP'],
      liftLegalHold: [1],
      legalHolds: [],
      recordPrivacyRequest: ['customer', f.customer.id, 'access', { regime: 'gdpr', receivedOn: '2024-06-01' }],
      privacyRequest: [1],
      privacyRequests: ['customer', f.customer.id],
      pendingPrivacyRequests: ['2024-06-01'],
      refusePrivacyRequest: [1, 'identity_not_verified'],
      exportSubject: ['customer', f.customer.id],
      exportSubjectCsv: ['customer', f.customer.id],
      rectify: ['supplier', f.supplier.id, { phone: '1', email: null }, 'ticket 1'],
      holidays: [],
      setHolidays: [['2024-07-09', '2024-12-25']],
      retentionPolicy: [],
      setRetentionPolicy: [{ operationalAuditDays: 60, accessAuditDays: 365, fiscalYears: 10, backupDays: 30 }],
      applyRetention: [new Date()],
      pruneBackups: [__dirname, new Date()],
    },
    Keyring: {
      mkVersion: [],
      keys: [],
      fieldCipher: ['global'],
      addBlindIndex: ['pedidos', 'email'],
      createScope: ['fuzz-scope'],
      rotateMasterKey: [NEW_MASTER_KEY],
      rotateDataKey: ['global'],
      reencrypt: [10, () => {}],
      destroyScope: ['fuzz-scope'],
      close: [],
    },
    FieldCipher: {
      scope: [],
      withScope: ['global'],
      encryptSync: ['valor', 'pedidos', 'email', '1'],
      decryptSync: [f.envelope, 'pedidos', 'email', '1'],
      encrypt: ['valor', 'pedidos', 'email', '1'],
      decrypt: [f.envelope, 'pedidos', 'email', '1'],
      encryptMany: [[{ value: 'valor', table: 'pedidos', column: 'email', rowKey: '1' }]],
      decryptMany: [[{ envelope: f.envelope, table: 'pedidos', column: 'email', rowKey: '1' }]],
      blindIndex: ['pedidos', 'email', 'ana@example.com', 'email', 16],
    },
    DataKey: {
      constructor: [1, Buffer.alloc(32, 1)],
      keyId: [],
      seal: ['valor', 'pedidos', 'email', '1'],
      open: [f.rawEnvelope, 'pedidos', 'email', '1'],
    },
    BlindIndexKey: {
      constructor: [Buffer.alloc(32, 2)],
      index: ['ana@example.com', 'email', 16],
    },
    functions: {
      open: ['sqlite::memory:', { actor: 'fuzz', masterKey: MASTER_KEY, tenant: 'default', maxConnections: 1, metrics: false }],
      openKeyring: ['sqlite::memory:', MASTER_KEY, 'default'],
      envelopeToText: [f.envelope],
      envelopeFromText: [inventario.envelopeToText(f.envelope)],
      envelopeKeyId: [f.envelope],
      argentinaHolidays: [2024, 2025],
    },
  }
}

// Argument lists made of garbage: none; the same garbage everywhere; one position of valid
// arguments replaced; one field of an object (or of an array's first object) replaced.
function* garbageArguments(valid) {
  yield { label: '()', args: [] }
  const width = valid.length + 1
  for (const [name, value] of GARBAGE) {
    yield { label: `(${name} × ${width})`, args: Array(width).fill(value) }
  }
  for (let i = 0; i <= valid.length; i++) {
    for (const [name, value] of GARBAGE) {
      const args = [...valid]
      args[i] = value
      yield { label: `(arg ${i} = ${name})`, args }
    }
  }
  for (let i = 0; i < valid.length; i++) {
    const arg = valid[i]
    const target = isPlainObject(arg) ? arg : Array.isArray(arg) && isPlainObject(arg[0]) ? arg[0] : null
    if (!target) continue
    for (const key of Object.keys(target)) {
      for (const [name, value] of GARBAGE) {
        const changed = { ...target, [key]: value }
        const args = [...valid]
        args[i] = Array.isArray(arg) ? [changed, ...arg.slice(1)] : changed
        yield { label: `(arg ${i}.${key} = ${name})`, args }
      }
    }
  }
}

async function fixture() {
  const inv = await inventario.open('sqlite::memory:', { actor: 'fuzz', masterKey: MASTER_KEY })
  const salon = await inv.createLocation('SALON', 'Salón')
  const deposito = await inv.createLocation('DEP', 'Depósito')
  const supplier = await inv.createSupplier('S-1', 'Acme', { cuit: '20-12345678-6' })
  const product = await inv.createProduct('SKU-1', 'Producto', '10.00', { supplier: supplier.id })
  await inv.receive(product.id, salon.id, 100, '5.00')
  const reservation = await inv.reserve(product.id, salon.id, 1)
  const customer = await inv.createCustomer('C-1', { names: 'Ana', documentType: 'dni', document: '12345678', email: 'ana@example.com' })
  const checkpoint = await inv.auditCheckpoint()
  const keyring = inv.keyring()
  await keyring.addBlindIndex('pedidos', 'email')
  const cipher = inv.fieldCipher()
  const envelope = cipher.encryptSync('valor', 'pedidos', 'email', '1')
  const dataKey = new inventario.DataKey(1, Buffer.alloc(32, 1))
  const rawEnvelope = dataKey.seal('valor', 'pedidos', 'email', '1')
  const blindIndexKey = new inventario.BlindIndexKey(Buffer.alloc(32, 2))
  return {
    inv, salon, deposito, supplier, product, reservation, customer, checkpoint, envelope, rawEnvelope,
    instances: { Inventory: inv, Keyring: keyring, FieldCipher: cipher, DataKey: dataKey, BlindIndexKey: blindIndexKey },
  }
}

const CLASSES = ['Inventory', 'Keyring', 'FieldCipher', 'DataKey', 'BlindIndexKey']

// A failure message: the problems of each kind (the label without its arguments), with examples.
function report(title, problems) {
  const byKind = new Map()
  for (const problem of problems) {
    const kind = problem.replace(/\(.*?\)(?=:| on | \(getter\))/, '(…)')
    const entry = byKind.get(kind) ?? { count: 0, example: problem }
    entry.count += 1
    byKind.set(kind, entry)
  }
  const lines = [...byKind.entries()].map(([kind, { count, example }]) => `  ${count} × ${kind}\n      e.g. ${example}`)
  return `${title}:\n${lines.slice(0, 60).join('\n')}`
}

test('garbage to every function, constructor, method and getter never crashes the process', async (t) => {
  const started = Date.now()
  const f = await fixture()
  const returns = declaredReturns()
  const probe = new Probe(returns)
  const valid = validArguments(f)

  // Every member the addon has must have valid arguments above (a new method fails here until
  // it is added, so it cannot escape this test).
  for (const cls of CLASSES) {
    for (const member of Object.getOwnPropertyNames(inventario[cls].prototype)) {
      if (member === 'constructor') continue
      assert.ok(Object.hasOwn(valid[cls], member), `no valid arguments for ${cls}.${member}: add them to validArguments()`)
    }
  }
  const functions = Object.keys(inventario).filter((name) => !CLASSES.includes(name))
  for (const name of functions) assert.ok(valid.functions[name], `no valid arguments for ${name}()`)
  assert.ok(functions.length >= 5)

  // Module functions.
  for (const name of functions) {
    for (const { label, args } of garbageArguments(valid.functions[name])) {
      await probe.call(name, `${name}${label}`, () => inventario[name](...args))
    }
  }

  // Constructors: with garbage, and called without `new`.
  for (const cls of CLASSES) {
    const C = inventario[cls]
    const ctorArgs = Object.hasOwn(valid[cls], 'constructor') ? valid[cls].constructor : []
    for (const { label, args } of garbageArguments(ctorArgs)) {
      await probe.call(`${cls}.constructor`, `new ${cls}${label}`, () => new C(...args))
    }
    await probe.call(`${cls}.constructor`, `${cls}() without new`, () => C(...ctorArgs))
  }

  // Methods and getters of live instances ('close' last), and with the wrong `this`.
  const closers = []
  for (const cls of CLASSES) {
    const proto = inventario[cls].prototype
    const instance = f.instances[cls]
    for (const member of Object.getOwnPropertyNames(proto)) {
      if (member === 'constructor') continue
      const key = `${cls}.${member}`
      const descriptor = Object.getOwnPropertyDescriptor(proto, member)
      if (typeof descriptor.get === 'function') {
        await probe.call(key, `${key} (getter)`, () => instance[member])
        for (const wrong of [{}, f.instances[cls === 'DataKey' ? 'BlindIndexKey' : 'DataKey'], null]) {
          await probe.call(key, `${key} (getter) on ${describe(wrong)}`, () => descriptor.get.call(wrong))
        }
        continue
      }
      const method = descriptor.value
      for (const wrong of [{}, f.instances[cls === 'DataKey' ? 'BlindIndexKey' : 'DataKey'], undefined]) {
        await probe.call(key, `${key} on ${describe(wrong)}`, () => method.apply(wrong, valid[cls][member]))
      }
      if (member === 'close') {
        closers.push([key, instance, valid[cls][member]])
        continue
      }
      for (const { label, args } of garbageArguments(valid[cls][member])) {
        await probe.call(key, `${key}${label}`, () => instance[member](...args))
      }
    }
  }
  for (const [key, instance, args] of closers) {
    for (const { label, args: garbage } of garbageArguments(args)) {
      await probe.call(key, `${key}${label}`, () => instance.close(...garbage))
    }
  }
  for (const handle of probe.opened) await handle.close()

  assert.equal(probe.problems.length, 0, report(`${probe.problems.length} of ${probe.calls} calls misbehaved`, probe.problems))
  assert.equal(probe.internal.length, 0, report('E_INTERNAL is a caught panic: a bug', probe.internal))
  assert.ok(probe.calls > 5000, `${probe.calls} calls`)

  // Still alive and working.
  await new Promise((resolve) => setImmediate(resolve))
  const fresh = await inventario.open('sqlite::memory:', { actor: 'after', masterKey: MASTER_KEY })
  assert.equal((await fresh.createLocation('OK', 'ok')).code, 'OK')
  assert.equal((await fresh.verifyAudit()).ok, true)
  await fresh.close()
  t.diagnostic(`${probe.calls} calls in ${Date.now() - started} ms`)
})

test('a progress callback that throws rejects reencrypt instead of ending the process', async () => {
  const inv = await inventario.open('sqlite::memory:', { actor: 'fuzz', masterKey: MASTER_KEY })
  const salon = await inv.createLocation('SALON', 'Salón')
  for (let i = 0; i < 30; i++) await inv.createProduct(`SKU-${i}`, 'p', '1.00')
  await inv.receive(1, salon.id, 1, '1.00')
  const keyring = inv.keyring()
  await keyring.rotateDataKey()
  let calls = 0
  const boom = new Error('boom from the callback')
  await assert.rejects(
    keyring.reencrypt(5, () => {
      calls += 1
      throw boom
    }),
    (err) => err === boom,
  )
  assert.ok(calls >= 1)
  // The batches ran; the job is done, and the store is fine.
  assert.deepEqual(await keyring.reencrypt(5, () => {}), [])
  assert.equal((await inv.verifyAudit()).ok, true)
  await inv.close()
})
