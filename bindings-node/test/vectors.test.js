'use strict'
// The shared envelope v1 vectors (tests/vectors/envelope_v1.json, spec docs/FORMAT.md) through the
// Node API: DataKey opens every positive vector to its plaintext, the text form and key id
// helpers agree, every negative vector is refused with the code its CryptoError maps to, the
// blind-index vectors match BlindIndexKey, and seal -> open round-trips each JS value type.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { DataKey, BlindIndexKey, envelopeToText, envelopeFromText, envelopeKeyId } = require('..')

const VECTORS = path.join(__dirname, '..', '..', 'tests', 'vectors', 'envelope_v1.json')
const vectors = JSON.parse(fs.readFileSync(VECTORS, 'utf8'))
const hex = (text) => Buffer.from(text, 'hex')

// What `open` returns for a vector's plaintext: text as a string, int as a bigint, bytes as a
// Buffer (the vector gives hex), decimal and date as their canonical strings.
function expectedPlaintext(vector) {
  switch (vector.type) {
    case 'text':
    case 'decimal':
    case 'date':
      return vector.plaintext
    case 'int':
      return BigInt(vector.plaintext)
    case 'bytes':
      return hex(vector.plaintext)
    default:
      throw new Error(`vector ${vector.id}: unknown type ${vector.type}`)
  }
}

// The code a CryptoError variant reaches JS with.
function expectedCode(variant) {
  switch (variant) {
    case 'AuthenticationFailed':
    case 'Malformed':
    case 'UnsupportedVersion':
      return 'E_DECRYPT'
    case 'UnknownKey':
    case 'KeyDestroyed':
      return 'E_KEY_NOT_FOUND'
    default:
      throw new Error(`no code is defined for ${variant}`)
  }
}

test('the vector file is the one these tests were written for', () => {
  assert.equal(vectors.format, 'inventario-core envelope v1 vectors')
  // Published vectors never change and new ones are added at the end: at least these many.
  assert.ok(vectors.positive.length >= 33, `${vectors.positive.length} positive vectors`)
  assert.ok(vectors.negative.length >= 45, `${vectors.negative.length} negative vectors`)
  assert.ok(vectors.blind_index.length >= 16, `${vectors.blind_index.length} blind-index vectors`)
  const types = new Set(vectors.positive.map((v) => v.type))
  assert.deepEqual([...types].sort(), ['bytes', 'date', 'decimal', 'int', 'text'])
  const errors = new Set(vectors.negative.map((v) => v.error))
  assert.deepEqual([...errors].sort(), ['AuthenticationFailed', 'Malformed', 'UnknownKey', 'UnsupportedVersion'])
})

test('every positive vector opens to its plaintext', async (t) => {
  for (const vector of vectors.positive) {
    await t.test(vector.id, () => {
      const key = new DataKey(vector.key_id, hex(vector.key))
      assert.equal(key.keyId, vector.key_id)
      const opened = key.open(hex(vector.envelope), vector.table, vector.column, vector.row_key)
      const expected = expectedPlaintext(vector)
      if (Buffer.isBuffer(expected)) {
        assert.ok(Buffer.isBuffer(opened), `a bytes field opens to a Buffer, got ${typeof opened}`)
        assert.equal(opened.toString('hex'), vector.plaintext)
      } else {
        assert.equal(typeof opened, typeof expected)
        assert.equal(opened, expected)
      }
    })
  }
})

test('envelopeToText, envelopeFromText and envelopeKeyId agree with every positive vector', () => {
  for (const vector of vectors.positive) {
    const envelope = hex(vector.envelope)
    assert.equal(envelopeToText(envelope), vector.text, vector.id)
    const back = envelopeFromText(vector.text)
    assert.ok(Buffer.isBuffer(back), vector.id)
    assert.equal(back.toString('hex'), vector.envelope, vector.id)
    assert.equal(envelopeKeyId(envelope), vector.key_id, vector.id)
  }
})

test('an envelope sealed by DataKey opens to the same value (string, bigint, Buffer)', () => {
  const vector = vectors.positive[0]
  const key = new DataKey(vector.key_id, hex(vector.key))
  const values = [
    '',
    'ana@example.com',
    'José Pérez Ñandú 🧉',
    0n,
    -125000n,
    2n ** 63n - 1n,
    -(2n ** 63n),
    Buffer.alloc(0),
    Buffer.from([0x80, 0x00, 0xff, 0x01]),
  ]
  for (const value of values) {
    const sealed = key.seal(value, 'customers', 'email', '42')
    assert.ok(Buffer.isBuffer(sealed))
    assert.equal(sealed[0], 1, 'version byte')
    assert.equal(envelopeKeyId(sealed), vector.key_id)
    // A random nonce: sealing twice never gives the same bytes.
    assert.notDeepEqual(key.seal(value, 'customers', 'email', '42'), sealed)
    const opened = key.open(sealed, 'customers', 'email', '42')
    assert.deepEqual(opened, value)
    if (typeof value === 'bigint') assert.equal(typeof opened, 'bigint')
    if (Buffer.isBuffer(value)) assert.ok(Buffer.isBuffer(opened))
    // The text form survives a round trip too.
    assert.deepEqual(envelopeFromText(envelopeToText(sealed)), sealed)
    // And the envelope is bound to its context.
    assert.throws(() => key.open(sealed, 'customers', 'email', '43'), { code: 'E_DECRYPT', kind: 'AuthenticationFailed' })
  }
  // A bigint beyond 64 bits is refused rather than truncated.
  assert.throws(() => key.seal(2n ** 64n, 'customers', 'email', '42'), { code: 'E_VALIDATION' })
})

// A negative vector names the keyring it is opened with. DataKey holds one key, so the test
// plays the keyring: the key whose id the envelope names, or (when there is none, or the header
// cannot be read) the first one, which makes DataKey refuse exactly as the keyring would.
function keyFor(vector) {
  const envelope = hex(vector.envelope)
  let named
  if (envelope.length >= 5) named = envelope.readUInt32BE(1)
  const entry = vector.keys.find((k) => k.key_id === named) ?? vector.keys[0]
  return new DataKey(entry.key_id, hex(entry.key))
}

test('every negative vector is refused with the code of its error', async (t) => {
  for (const vector of vectors.negative) {
    await t.test(`${vector.id} (${vector.error})`, () => {
      const key = keyFor(vector)
      const code = expectedCode(vector.error)
      assert.throws(
        () => key.open(hex(vector.envelope), vector.table, vector.column, vector.row_key),
        (err) => {
          assert.ok(err instanceof Error)
          assert.equal(err.code, code, err.message)
          assert.equal(err.kind, vector.error, err.message)
          if (code === 'E_KEY_NOT_FOUND') assert.equal(err.keyId, vector.error_arg)
          return true
        },
      )
    })
  }
})

test('the header checks of the negative vectors are what envelopeKeyId reports too', () => {
  for (const vector of vectors.negative) {
    const envelope = hex(vector.envelope)
    const shortOrEmpty = vector.error === 'Malformed' && envelope.length < 49
    if (vector.error === 'UnsupportedVersion' || shortOrEmpty) {
      assert.throws(() => envelopeKeyId(envelope), { code: 'E_DECRYPT', kind: vector.error }, vector.id)
    }
  }
  // The text form of a malformed envelope is refused the same way.
  assert.throws(() => envelopeFromText('ic1.!!!'), { code: 'E_DECRYPT', kind: 'Malformed' })
  assert.throws(() => envelopeFromText('not an envelope'), { code: 'E_DECRYPT', kind: 'Malformed' })
})

test('every blind-index vector matches BlindIndexKey.index', () => {
  for (const vector of vectors.blind_index) {
    const key = new BlindIndexKey(hex(vector.key))
    const index = key.index(vector.input, vector.normalizer, vector.len)
    assert.ok(Buffer.isBuffer(index), vector.id)
    assert.equal(index.length, vector.len, vector.id)
    assert.equal(index.toString('hex'), vector.index, vector.id)
    // The normalized value indexes to the same bytes (normalizing is idempotent).
    assert.equal(key.index(vector.normalized, vector.normalizer, vector.len).toString('hex'), vector.index, vector.id)
    if (vector.len === 16) {
      assert.equal(key.index(vector.input, vector.normalizer).toString('hex'), vector.index, `${vector.id}: default length`)
    }
  }
  const exact = vectors.blind_index.find((v) => v.normalizer === 'exact' && v.len === 16)
  assert.equal(new BlindIndexKey(hex(exact.key)).index(exact.input).toString('hex'), exact.index, 'exact is the default normalizer')
})

test('keys of the wrong length and bad index parameters are refused', () => {
  assert.throws(() => new DataKey(1, Buffer.alloc(31)), { code: 'E_VALIDATION', kind: 'InvalidKeyMaterial' })
  assert.throws(() => new DataKey(1, Buffer.alloc(33)), { code: 'E_VALIDATION', kind: 'InvalidKeyMaterial' })
  assert.throws(() => new BlindIndexKey(Buffer.alloc(16)), { code: 'E_VALIDATION', kind: 'InvalidKeyMaterial' })
  const key = new BlindIndexKey(Buffer.alloc(32, 7))
  assert.throws(() => key.index('x', 'exact', 7), { code: 'E_VALIDATION' })
  assert.throws(() => key.index('x', 'exact', 33), { code: 'E_VALIDATION' })
  assert.throws(() => key.index('x', 'soundex'), { code: 'E_VALIDATION' })
})
