'use strict'
// The package's entry point: the native addon (loaded by the napi-rs generated `native.js`,
// which picks the binary of this platform) with its errors given their stable `code`.
//
// napi-rs rejects and throws with its own status as `code`; the addon puts our code and fields
// as JSON after a marker in the message (bindings-node/src/errors.rs). `toError` below is the
// one place that turns them into an `Error` (or a `TypeError` for E_TYPE) with `code`, `kind`,
// `line`, `index`, `keyId`, `available`, `requested` and `key`. Argument conversions that
// napi-rs itself refuses (a number where a string is expected, a missing argument) become
// `TypeError`s with code E_TYPE.

const native = require('./native.js')

const MARKER = '\u0000inventario:'
const NAPI_TYPE_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
  'DetachableArraybufferExpected',
])

function toError(err) {
  if (!(err instanceof Error)) return err
  const at = err.message.indexOf(MARKER)
  if (at >= 0) {
    let fields
    try {
      fields = JSON.parse(err.message.slice(at + MARKER.length))
    } catch {
      return err
    }
    const { code, message, ...extra } = fields
    const out = code === 'E_TYPE' ? new TypeError(message) : new Error(message)
    out.code = code
    Object.assign(out, extra)
    return out
  }
  if (NAPI_TYPE_STATUSES.has(err.code)) {
    const out = new TypeError(err.message)
    out.code = 'E_TYPE'
    return out
  }
  // V8's own check of `this` ("Illegal invocation": a method called on another object).
  if (err instanceof TypeError && err.code === undefined) {
    err.code = 'E_TYPE'
  }
  return err
}

function typeError(message) {
  const err = new TypeError(message)
  err.code = 'E_TYPE'
  return err
}

// napi-rs reads an Invalid Date (`new Date(NaN)`) as the epoch, so a movement would be recorded
// on 1970-01-01. Dates are taken as arguments, as `options.occurredAt`, and as
// `movements[i].options.occurredAt`: an Invalid Date there is refused like any other bad Date.
function isInvalidDate(value) {
  return value instanceof Date && Number.isNaN(value.getTime())
}

function checkDates(args) {
  for (const arg of args) {
    if (isInvalidDate(arg)) throw typeError('Found invalid date: an Invalid Date is not a time')
    if (arg === null || typeof arg !== 'object' || ArrayBuffer.isView(arg)) continue
    if (Array.isArray(arg)) {
      for (const item of arg) {
        if (item !== null && typeof item === 'object' && !ArrayBuffer.isView(item)) {
          const options = item.options
          if (options !== null && typeof options === 'object' && isInvalidDate(options.occurredAt)) {
            throw typeError('Found invalid date: options.occurredAt is an Invalid Date')
          }
        }
      }
    } else if (isInvalidDate(arg.occurredAt)) {
      throw typeError('Found invalid date: occurredAt is an Invalid Date')
    }
  }
}

// `async` is true for the calls that return a Promise: their argument errors reject it too,
// instead of being thrown before a Promise exists (napi-rs throws argument conversion errors).
function wrapFunction(fn, async = false) {
  return function inventarioCall(...args) {
    let result
    try {
      checkDates(args)
      result = fn.apply(this, args)
    } catch (err) {
      if (async) return Promise.reject(toError(err))
      throw toError(err)
    }
    if (result && typeof result.then === 'function') {
      return result.then(wrapResult, (err) => {
        throw toError(err)
      })
    }
    return wrapResult(result)
  }
}

// `FieldCipher.encryptSync` and `decryptSync` (below) run once per row, take no Date and
// return no Promise: their wrappers only map errors, so that a call costs about what the addon
// costs. The arguments are passed on as they are (napi-rs reads four; missing ones are
// undefined either way).
function wrapFieldCall(fn) {
  return function inventarioCall(value, table, column, rowKey) {
    try {
      return fn.call(this, value, table, column, rowKey)
    } catch (err) {
      throw toError(err)
    }
  }
}

// A constructor whose errors are mapped too (`new DataKey(1, shortKey)` throws E_VALIDATION).
// Like a JS class, it cannot be called without `new`. A class whose instances come from a
// function (`factory`) has no public constructor: `new Inventory()` throws E_TYPE.
function wrapConstructor(cls, factory) {
  return new Proxy(cls, {
    construct(target, args, newTarget) {
      if (factory) throw typeError(`${target.name} has no public constructor: get one from ${factory}`)
      try {
        return Reflect.construct(target, args, newTarget)
      } catch (err) {
        throw toError(err)
      }
    },
    apply(target) {
      throw typeError(`Class constructor ${target.name} cannot be invoked without 'new'`)
    },
  })
}

// The methods that return a Promise, by class (everything else returns its result). A method
// missing here still works; only its argument errors are thrown instead of rejecting, which
// test/robustness.test.js reports by comparing with native.d.ts.
const ASYNC_METHODS = {
  Inventory: new Set([
    'close', 'createLocation', 'locations', 'locationByCode', 'createSupplier', 'suppliers',
    'supplierContact', 'findSupplierByCuit', 'createProduct', 'product', 'productBySku',
    'products', 'receive', 'sell', 'returnFromCustomer', 'returnToSupplier', 'recordLoss',
    'adjust', 'transfer', 'recordMovements', 'reserve', 'releaseReservation', 'stock',
    'lowStock', 'reorderSuggestions', 'history', 'stockValue', 'topSold', 'dashboardSummary',
    'providerStats', 'stockBySupplier', 'weeklySales', 'verifyLedger', 'createCustomer',
    'customer', 'customerIdentity', 'findCustomersByEmail', 'findCustomersByDocument',
    'eraseSubject', 'verifyAudit', 'auditCheckpoint', 'auditEvents', 'auditReport',
    'recordAuditEvent', 'detectAnomalies', 'importLegacy', 'placeLegalHold', 'liftLegalHold',
    'legalHolds', 'recordPrivacyRequest', 'privacyRequest', 'privacyRequests',
    'pendingPrivacyRequests', 'refusePrivacyRequest', 'exportSubject', 'exportSubjectCsv',
    'rectify', 'holidays', 'setHolidays', 'retentionPolicy', 'setRetentionPolicy',
    'applyRetention', 'pruneBackups',
  ]),
  Keyring: new Set([
    'addBlindIndex', 'createScope', 'rotateMasterKey', 'rotateDataKey', 'reencrypt',
    'destroyScope', 'close',
  ]),
  FieldCipher: new Set(['encrypt', 'decrypt', 'encryptMany', 'decryptMany']),
  DataKey: new Set(),
  BlindIndexKey: new Set(),
}

// A progress callback runs on the event loop, called from a native thread: an exception it
// throws would be an uncaught exception that ends the process. It is caught instead, and the
// `reencrypt` Promise rejects with the first one once the call is over (the batches committed
// before stay committed; the next call resumes after them). The job is not stopped by it. (A
// callback queued behind the settled Promise has no Promise left to reject: its exception is
// dropped.)
function wrapReencrypt(reencrypt) {
  return function reencryptCall(batch, progress, ...rest) {
    if (typeof progress !== 'function') return reencrypt.call(this, batch, progress, ...rest)
    let thrown
    const guarded = function reencryptProgress(report) {
      try {
        progress(report)
      } catch (err) {
        if (thrown === undefined) thrown = { err }
      }
    }
    return reencrypt.call(this, batch, guarded, ...rest).then((reports) => {
      if (thrown !== undefined) throw thrown.err
      return reports
    })
  }
}

const classes = [native.Inventory, native.Keyring, native.FieldCipher, native.DataKey, native.BlindIndexKey]

// Results are plain objects or instances of the classes below, whose methods are wrapped once.
function wrapResult(value) {
  return value
}

for (const cls of classes) {
  for (const name of Object.getOwnPropertyNames(cls.prototype)) {
    if (name === 'constructor') continue
    const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, name)
    if (typeof descriptor.value === 'function') {
      const perField = cls === native.FieldCipher && (name === 'encryptSync' || name === 'decryptSync')
      let method = perField
        ? wrapFieldCall(descriptor.value)
        : wrapFunction(descriptor.value, ASYNC_METHODS[cls.name].has(name))
      if (cls === native.Keyring && name === 'reencrypt') method = wrapReencrypt(method)
      Object.defineProperty(cls.prototype, name, { ...descriptor, value: method })
    } else if (typeof descriptor.get === 'function') {
      Object.defineProperty(cls.prototype, name, { ...descriptor, get: wrapFunction(descriptor.get) })
    }
  }
}

module.exports = {
  open: wrapFunction(native.open, true),
  openKeyring: wrapFunction(native.openKeyring, true),
  envelopeToText: wrapFunction(native.envelopeToText),
  envelopeFromText: wrapFunction(native.envelopeFromText),
  envelopeKeyId: wrapFunction(native.envelopeKeyId),
  argentinaHolidays: wrapFunction(native.argentinaHolidays),
  Inventory: wrapConstructor(native.Inventory, 'open()'),
  Keyring: wrapConstructor(native.Keyring, 'openKeyring() or Inventory.keyring()'),
  FieldCipher: wrapConstructor(native.FieldCipher, 'Inventory.fieldCipher() or Keyring.fieldCipher()'),
  DataKey: wrapConstructor(native.DataKey),
  BlindIndexKey: wrapConstructor(native.BlindIndexKey),
}
