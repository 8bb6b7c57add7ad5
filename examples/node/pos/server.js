'use strict'
// A small point-of-sale HTTP service on the `inventario` Node addon, with node:http only.
//
//   POST /sales            records a sale; needs an Idempotency-Key header
//   GET  /stock            balances by product and location
//   GET  /alerts/low-stock products at or below their seasonal minimum (?on=YYYY-MM-DD)
//   GET  /health           open: is the store answering?
//
// Every endpoint but /health needs `X-API-Key: <secret>`. The key's id (never its secret) is
// the audit actor of whatever the request writes: each key gets its own handle,
// `inv.actingAs(keyId)`, made once when the server is created.
//
// Money and quantities travel as JSON strings ("3500.00", "1.250"). A quantity may also be a
// JSON number when it is a whole number (3); a fractional quantity must be a string, because a
// JSON number is read as a binary float. See README.md.

const crypto = require('node:crypto')
const http = require('node:http')

const inventario = require('../../../bindings-node')

const DEFAULT_URL = 'sqlite://./pos.db?mode=rwc'
const DEFAULT_LOCATION = 'SALON'
const MIN_SECRET_LENGTH = 16
const MAX_BODY_BYTES = 16 * 1024
const KEY_ID = /^[A-Za-z0-9._@-]{1,64}$/
// Printable ASCII without spaces; at most 128 so that "keyId:" + key fits the library's 200.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/

// --- API keys ---------------------------------------------------------------------------------

function sha256(text) {
  return crypto.createHash('sha256').update(text, 'utf8').digest()
}

/**
 * Reads API keys from `"id1:secret1,id2:secret2"` (the secret is everything after the first
 * colon; neither part may hold a comma) or from an object `{ id: secret }`. Returns
 * `[{ id, digest }]`; only SHA-256 digests of the secrets are kept. Throws on an empty set, a
 * malformed id, a secret shorter than 16 characters, or a repeated id or secret.
 */
function parseApiKeys(spec) {
  let pairs
  if (typeof spec === 'string') {
    pairs = []
    for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
      const colon = item.indexOf(':')
      if (colon < 0) throw new Error('POS_API_KEYS: expected id:secret, got an item without ":"')
      pairs.push([item.slice(0, colon).trim(), item.slice(colon + 1).trim()])
    }
  } else if (spec && typeof spec === 'object') {
    pairs = Object.entries(spec)
  } else {
    throw new Error('no API keys configured (POS_API_KEYS="id:secret,...")')
  }
  const keys = []
  for (const [id, secret] of pairs) {
    if (!KEY_ID.test(id)) {
      throw new Error(`invalid API key id ${JSON.stringify(id)}: 1-64 of A-Z a-z 0-9 . _ @ -`)
    }
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`the secret of API key ${id} is shorter than ${MIN_SECRET_LENGTH} characters`)
    }
    const digest = sha256(secret)
    if (keys.some((k) => k.id === id || k.digest.equals(digest))) {
      throw new Error(`API key ${id} repeats an id or a secret`)
    }
    keys.push({ id, digest })
  }
  if (keys.length === 0) throw new Error('no API keys configured (POS_API_KEYS="id:secret,...")')
  return keys
}

/**
 * The id of the key whose secret is `presented`, or null. Both sides are SHA-256 digests, so
 * every comparison has the same length; every key is compared, without stopping at a match,
 * so the time taken tells neither whether nor which key matched.
 */
function identify(keys, presented) {
  const digest = sha256(presented)
  let found = null
  for (const key of keys) {
    const same = crypto.timingSafeEqual(digest, key.digest)
    if (same && found === null) found = key.id
  }
  return found
}

// --- HTTP helpers -----------------------------------------------------------------------------

class HttpError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message)
    this.status = status
    this.code = code
    this.extra = extra
  }
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  })
  res.end(text)
}

function sendError(res, status, code, message, extra = {}, headers = {}) {
  send(res, status, { error: { code, message, ...extra } }, headers)
}

function readJson(req) {
  const type = (req.headers['content-type'] || 'application/json').split(';')[0].trim().toLowerCase()
  if (type !== 'application/json') {
    return Promise.reject(new HttpError(415, 'E_MEDIA_TYPE', 'send the body as application/json'))
  }
  return new Promise((resolve, reject) => {
    const chunks = []
    let size = 0
    let failed = false
    req.on('data', (chunk) => {
      if (failed) return
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        failed = true
        reject(new HttpError(413, 'E_TOO_LARGE', `the body is larger than ${MAX_BODY_BYTES} bytes`))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (failed) return
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch {
        reject(new HttpError(400, 'E_BAD_REQUEST', 'the body is not valid JSON'))
      }
    })
    req.on('error', reject)
  })
}

function invalid(field, message) {
  return new HttpError(422, 'E_VALIDATION', message, { field })
}

/** Turns a library error into an HTTP response; anything unexpected is logged, not sent. */
function libraryError(res, err) {
  switch (err && err.code) {
    case 'E_VALIDATION':
    case 'E_TYPE':
      return sendError(res, 422, 'E_VALIDATION', err.message, err.kind ? { kind: err.kind } : {})
    case 'E_INSUFFICIENT_STOCK':
      return sendError(res, 409, err.code, err.message, {
        available: err.available,
        requested: err.requested,
      })
    case 'E_STORE':
    case 'E_CLOSED':
      console.error('pos: store unavailable:', err.message)
      return sendError(res, 503, 'E_UNAVAILABLE', 'the store is unavailable, try again')
    default:
      console.error('pos: internal error:', err)
      return sendError(res, 500, 'E_INTERNAL', 'internal error')
  }
}

// --- sales ------------------------------------------------------------------------------------

/** Reads `{ product, quantity, location? }`; a JSON number quantity must be a whole number. */
function saleRequest(body, defaultLocation) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid(null, 'the body must be a JSON object {product, quantity, location?}')
  }
  const { product, quantity } = body
  const location = body.location === undefined || body.location === null ? defaultLocation : body.location
  if (typeof product !== 'string' || product.trim() === '') {
    throw invalid('product', 'product must be the SKU, a non-empty string')
  }
  if (typeof quantity === 'number') {
    if (!Number.isSafeInteger(quantity)) {
      throw invalid('quantity', `a fractional quantity must be a string ("${quantity}"): a JSON number is a binary float`)
    }
  } else if (typeof quantity !== 'string') {
    throw invalid('quantity', 'quantity must be a decimal string ("1.250") or a whole number')
  }
  if (typeof location !== 'string' || location.trim() === '') {
    throw invalid('location', 'location must be a location code, a non-empty string')
  }
  return { sku: product.trim(), quantity, locationCode: location.trim() }
}

/** The ledger row of a sale as JSON: ids as numbers, money and quantities as strings. */
function saleJson(movement, sku, locationCode, idempotencyKey) {
  return {
    id: movement.id,
    kind: movement.kind,
    product: movement.product,
    sku,
    location: movement.location,
    locationCode,
    quantity: movement.quantity,
    delta: movement.delta,
    before: movement.before,
    after: movement.after,
    unitCost: movement.unitCost,
    value: movement.value,
    actor: movement.actor,
    occurredAt: movement.occurredAt.toISOString(),
    idempotencyKey,
  }
}

async function postSale(ctx, req, res, keyId) {
  const idempotencyKey = req.headers['idempotency-key']
  if (idempotencyKey === undefined || idempotencyKey === '') {
    throw new HttpError(400, 'E_IDEMPOTENCY_KEY', 'the Idempotency-Key header is required')
  }
  if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new HttpError(400, 'E_IDEMPOTENCY_KEY', 'Idempotency-Key: 1-128 printable ASCII characters, no spaces')
  }
  const { sku, quantity, locationCode } = saleRequest(await readJson(req), ctx.defaultLocation)
  const inv = ctx.handles.get(keyId)
  const product = await inv.productBySku(sku)
  if (product === null) throw invalid('product', `unknown product ${JSON.stringify(sku)}`)
  const location = (await inv.locations()).find((l) => l.code === locationCode)
  if (location === undefined) throw invalid('location', `unknown location ${JSON.stringify(locationCode)}`)

  let recorded
  try {
    // Keys are scoped to the API key: two tills that both count "venta-1" do not collide.
    recorded = await inv.sell(product.id, location.id, quantity, {
      idempotencyKey: `${keyId}:${idempotencyKey}`,
    })
  } catch (err) {
    if (err && err.code === 'E_IDEMPOTENCY_CONFLICT') {
      return sendError(res, 409, err.code, `Idempotency-Key ${JSON.stringify(idempotencyKey)} was already used for a different sale`, {
        key: idempotencyKey,
      })
    }
    throw err
  }
  const [movement] = recorded.movements
  const body = { replayed: recorded.replayed, sale: saleJson(movement, sku, locationCode, idempotencyKey) }
  if (recorded.replayed) return send(res, 200, body, { 'Idempotent-Replayed': 'true' })
  return send(res, 201, body, { Location: `/sales/${movement.id}` })
}

// --- the server -------------------------------------------------------------------------------

/**
 * An `http.Server` (not listening yet) serving the point of sale over `inv`.
 * - `apiKeys`: `"id:secret,..."` or `{ id: secret }` (see `parseApiKeys`).
 * - `defaultLocation`: the location code of a sale without `location` (default SALON).
 * The caller owns `inv`: close it after the server.
 */
function createServer({ inv, apiKeys, defaultLocation = DEFAULT_LOCATION }) {
  if (!inv) throw new Error('createServer needs an open inventory `inv`')
  const keys = parseApiKeys(apiKeys)
  const ctx = {
    inv,
    keys,
    defaultLocation,
    // One handle per key, acting as its id; they share the store's connections.
    handles: new Map(keys.map((k) => [k.id, inv.actingAs(k.id)])),
  }

  // path -> { methods, open }: only /health is served without a key.
  const routes = {
    '/health': { methods: { GET: health }, open: true },
    '/stock': { methods: { GET: stock } },
    '/alerts/low-stock': { methods: { GET: lowStock } },
    '/sales': { methods: { POST: postSale } },
  }

  return http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://pos.invalid')
      const route = routes[url.pathname]
      if (route === undefined) throw new HttpError(404, 'E_NOT_FOUND', `no route ${url.pathname}`)
      const handler = Object.hasOwn(route.methods, req.method) ? route.methods[req.method] : undefined
      if (handler === undefined) {
        const allow = Object.keys(route.methods).join(', ')
        return sendError(res, 405, 'E_METHOD', `use ${allow}`, {}, { Allow: allow })
      }
      let keyId = null
      if (!route.open) {
        const presented = req.headers['x-api-key']
        keyId = typeof presented === 'string' && presented !== '' ? identify(ctx.keys, presented) : null
        if (keyId === null) {
          throw new HttpError(401, 'E_AUTH', presented ? 'wrong API key' : 'the X-API-Key header is required')
        }
      }
      await handler(ctx, req, res, keyId, url)
    } catch (err) {
      if (res.headersSent) {
        console.error('pos: error after the response started:', err)
        return res.destroy()
      }
      if (err instanceof HttpError) {
        const headers = err.status === 413 ? { Connection: 'close' } : {}
        return sendError(res, err.status, err.code, err.message, err.extra, headers)
      }
      return libraryError(res, err)
    }
  })
}

async function health(ctx, req, res) {
  try {
    await ctx.inv.locations()
    send(res, 200, { status: 'ok', store: 'ok' })
  } catch (err) {
    console.error('pos: health check failed:', err.message)
    send(res, 503, { status: 'unavailable', store: 'error' })
  }
}

async function stock(ctx, req, res, keyId) {
  send(res, 200, { stock: await ctx.handles.get(keyId).stock() })
}

async function lowStock(ctx, req, res, keyId, url) {
  const on = url.searchParams.get('on') ?? undefined
  const alerts = await ctx.handles.get(keyId).lowStock(on)
  send(res, 200, { on: on ?? null, alerts })
}

// --- running it -------------------------------------------------------------------------------

/** The configuration read from `env` (the master key is read by the library itself). */
function configFromEnv(env = process.env) {
  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT ${env.PORT} is not a port`)
  return {
    url: env.INVENTARIO_URL || DEFAULT_URL,
    apiKeys: env.POS_API_KEYS || '',
    host: env.HOST || '127.0.0.1',
    port,
    defaultLocation: env.POS_LOCATION || DEFAULT_LOCATION,
  }
}

async function main() {
  const config = configFromEnv()
  parseApiKeys(config.apiKeys) // refuse to start without usable keys, before opening the store
  // No masterKey: the library reads INVENTARIO_MASTER_KEY (or INVENTARIO_MASTER_PASSPHRASE).
  const inv = await inventario.open(config.url, { actor: 'pos-server' })
  const server = createServer({ inv, apiKeys: config.apiKeys, defaultLocation: config.defaultLocation })
  server.listen(config.port, config.host, () => {
    const { address, port } = server.address()
    // Not the store's URL: it may hold a database password.
    console.log(`pos listening on http://${address}:${port}`)
  })
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    server.close(() => inv.close().then(() => process.exit(0), () => process.exit(1)))
    server.closeIdleConnections()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

module.exports = { createServer, parseApiKeys, identify, configFromEnv, main }

if (require.main === module) {
  main().catch((err) => {
    console.error(`pos: ${err.message}`)
    process.exit(1)
  })
}
