// Types of the package's entry point: the generated native types (native.d.ts, from the Rust
// doc comments), and the errors every call throws or rejects with.
export * from './native'

/** The stable codes of the errors the package throws or rejects with. */
export type InventarioErrorCode =
  | 'E_VALIDATION'
  | 'E_TYPE'
  | 'E_INSUFFICIENT_STOCK'
  | 'E_IDEMPOTENCY_CONFLICT'
  | 'E_DECRYPT'
  | 'E_KEY_NOT_FOUND'
  | 'E_AUDIT'
  | 'E_STORE'
  | 'E_CLOSED'
  | 'E_INTERNAL'

/** An error of the package: an `Error` (a `TypeError` for E_TYPE) with a stable `code`. */
export interface InventarioError extends Error {
  code: InventarioErrorCode
  /** The core's reason (`InsufficientStock`, `DuplicateSku`, `KeyDestroyed`, ...). */
  kind?: string
  /** The failing line of `recordMovements`, from 0. */
  line?: number
  /** The failing item of `FieldCipher.decryptMany`, from 0. */
  index?: number
  /** The key an E_KEY_NOT_FOUND names. */
  keyId?: number
  /** E_INSUFFICIENT_STOCK: what was available and requested, as decimal strings. */
  available?: string
  requested?: string
  /** E_IDEMPOTENCY_CONFLICT: the key. */
  key?: string
}
