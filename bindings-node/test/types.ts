// A typed use of the package, checked by `tsc --noEmit -p test/tsconfig.json` (never run by the
// tests). It imports only types, so that running the file (a test runner that strips types
// picks up .ts files in test/) does nothing: the module is passed in as `lib`.
//
// The `@ts-expect-error` lines are the checks that the types refuse what the API refuses: a
// number as money, a string as an id, a string as a Date. If the types became too loose, tsc
// reports the unused directive and the check fails.

import type * as Inventario from '..'
import type {
  Inventory,
  InventarioError,
  InventarioErrorCode,
  Keyring,
  FieldCipher,
  Product,
  Recorded,
  Movement,
  MovementInput,
  StockRow,
  CommandOptions,
  CustomerIdentity,
  VerifyReport,
  ReencryptProgress,
  ReencryptReport,
  MovementPage,
  ErasureReceipt,
  AuditEvent,
} from '..'

// The only Node type the declarations use. It merges with @types/node's Buffer if that is ever
// installed; `equals` keeps a plain Uint8Array from passing as a Buffer.
declare global {
  interface Buffer extends Uint8Array {
    equals(other: Uint8Array): boolean
  }
}

const MASTER_KEY = '8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76'

/** Narrows a caught value to the package's errors. */
export function isInventarioError(err: unknown): err is InventarioError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string'
}

/** Every code, handled: adding a code to the union without handling it here fails to compile. */
export function describeCode(code: InventarioErrorCode): string {
  switch (code) {
    case 'E_VALIDATION':
      return 'refused by a rule'
    case 'E_TYPE':
      return 'an argument of the wrong type'
    case 'E_INSUFFICIENT_STOCK':
      return 'not enough stock'
    case 'E_IDEMPOTENCY_CONFLICT':
      return 'the idempotency key was used for another request'
    case 'E_DECRYPT':
      return 'does not decrypt'
    case 'E_KEY_NOT_FOUND':
      return 'the key is unknown or destroyed'
    case 'E_AUDIT':
      return 'the audit log refused'
    case 'E_STORE':
      return 'the database failed'
    case 'E_CLOSED':
      return 'the handle is closed'
    case 'E_INTERNAL':
      return 'a bug'
    default: {
      const unhandled: never = code
      return unhandled
    }
  }
}

/** What an error says, in the fields its code carries. */
export function explain(err: unknown): string {
  if (!isInventarioError(err)) return String(err)
  const parts: string[] = [describeCode(err.code), err.message]
  if (err.code === 'E_INSUFFICIENT_STOCK' && err.available !== undefined && err.requested !== undefined) {
    const available: string = err.available
    const requested: string = err.requested
    parts.push(`${available} < ${requested}`)
  }
  if (err.line !== undefined) parts.push(`line ${err.line.toFixed(0)}`)
  if (err.index !== undefined) parts.push(`item ${err.index.toFixed(0)}`)
  if (err.keyId !== undefined) parts.push(`key ${err.keyId.toFixed(0)}`)
  if (err.key !== undefined) parts.push(`idempotency key ${err.key}`)
  if (err.kind !== undefined) parts.push(err.kind)
  return parts.join('; ')
}

/** A shop: typed results all the way. */
export async function usage(lib: typeof Inventario, key: Buffer): Promise<string[]> {
  const inv: Inventory = await lib.open('sqlite::memory:', { actor: 'caja-1', masterKey: MASTER_KEY, metrics: false })
  const actor: string = inv.actor
  const today: string = inv.today()
  const salon = await inv.createLocation('SALON', 'Salón')
  const coca: Product = await inv.createProduct('BEB-COCA-2L', 'Coca-Cola 2 L', '3500.00', { unit: 'unidad', minStock: 5 })
  const queso: Product = await inv.createProduct('LAC-QUESO-KG', 'Queso', 980000n, { unit: 'kg', minStock: '1.5' })
  const price: string = coca.salePrice
  const supplier: number | undefined = queso.supplier

  const options: CommandOptions = { idempotencyKey: 'rx-1', occurredAt: new Date(), reference: 'FC-1' }
  const received: Recorded = await inv.receive(coca.id, salon.id, 24, '2100.00', options)
  const first: Movement | undefined = received.movements[0]
  const after: string | undefined = first?.after
  const when: Date | undefined = first?.occurredAt
  await inv.receive(queso.id, salon.id, '2.125', 800050n)
  await inv.sell(coca.id, salon.id, 2n)

  const batch: MovementInput[] = [
    { kind: 'sale', product: coca.id, location: salon.id, quantity: 1 },
    { kind: 'adjustment', product: coca.id, location: salon.id, counted: '20', options: { reason: 'conteo' } },
  ]
  const results: Recorded[] = await inv.recordMovements(batch)
  const rows: StockRow[] = await inv.stock(coca.id)
  const page: MovementPage = await inv.history({ limit: 10 })
  const next: number | undefined = page.next
  const value: string = await inv.stockValue()
  const metrics: string | null = inv.metricsText()

  const identity: CustomerIdentity = { names: 'Ana', documentType: 'dni', document: '12345678', email: 'ana@example.com' }
  const ana = await inv.createCustomer('C-1', identity)
  const decrypted: CustomerIdentity | null = await inv.customerIdentity(ana.id)
  const receipt: ErasureReceipt = await inv.eraseSubject('customer', ana.id)
  const erasedAt: Date = receipt.erasedAt

  const checkpoint: string = await inv.auditCheckpoint()
  const report: VerifyReport = await inv.verifyAudit(checkpoint)
  const events: AuditEvent[] = await inv.auditEvents(0, 10)
  const seq: number = await inv.recordAuditEvent('LOGIN_FAILED', { failed: true, detail: JSON.stringify({ ip: '10.0.0.1' }) })
  const html: string = await inv.auditReport(new Date(0), new Date(), 'html')

  const keyring: Keyring = inv.keyring()
  const cipher: FieldCipher = keyring.fieldCipher('global')
  const envelope: Buffer = cipher.encryptSync('ana@example.com', 'pedidos', 'email', '1')
  const opened: string | bigint | Buffer = cipher.decryptSync(envelope, 'pedidos', 'email', '1')
  const text: string = typeof opened === 'string' ? opened : typeof opened === 'bigint' ? opened.toString() : opened.toString()
  const many: Array<string | bigint | Buffer> = await cipher.decryptMany([{ envelope, table: 'pedidos', column: 'email', rowKey: '1' }])
  await keyring.rotateDataKey()
  const progress: ReencryptProgress[] = []
  const reports: ReencryptReport[] = await keyring.reencrypt(100, (p: ReencryptProgress) => {
    progress.push(p)
  })

  const dataKey = new lib.DataKey(1, key)
  const sealed: Buffer = dataKey.seal(42n, 't', 'c', 'r')
  const keyId: number = lib.envelopeKeyId(sealed)
  const asText: string = lib.envelopeToText(sealed)
  const back: Buffer = lib.envelopeFromText(asText)
  const index: Buffer = new lib.BlindIndexKey(key).index('20-12345678-6', 'digits', 16)

  try {
    await inv.sell(coca.id, salon.id, 1000)
  } catch (err) {
    if (isInventarioError(err) && err.code === 'E_INSUFFICIENT_STOCK') {
      const available: string | undefined = err.available
      void available
    }
  }

  // @ts-expect-error a JS number is not money: a decimal string or a bigint of centavos
  await inv.createProduct('X-1', 'x', 3500)
  // @ts-expect-error an id is a number, not a string
  await inv.product('1')
  // @ts-expect-error occurredAt is a Date, not a string
  await inv.sell(coca.id, salon.id, 1, { occurredAt: '2024-01-01' })
  // @ts-expect-error a quantity is not a boolean
  await inv.sell(coca.id, salon.id, true)
  // @ts-expect-error a result's amounts are decimal strings, not numbers
  const priceAsNumber: number = coca.salePrice
  // @ts-expect-error a plain Uint8Array is not a Buffer
  lib.envelopeKeyId(new Uint8Array(49))
  // @ts-expect-error decrypt resolves to a union: it must be narrowed before use as a string
  const notNarrowed: string = await cipher.decrypt(envelope, 't', 'c', 'r')
  // @ts-expect-error the options of open need an actor
  await lib.open('sqlite::memory:', { masterKey: MASTER_KEY })

  await inv.close()
  return [
    actor, today, price, String(supplier), String(after), String(when), String(results.length), String(rows.length),
    String(next), value, String(metrics), String(decrypted), erasedAt.toISOString(), String(report.ok),
    String(events.length), String(seq), html, text, String(many.length), String(reports.length),
    String(keyId), String(back.length), String(index.length), String(priceAsNumber), notNarrowed,
  ]
}
