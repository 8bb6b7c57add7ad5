// ES module entry point: the same objects as the CommonJS `index.js`.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const inventario = require('./index.js')

export const {
  open,
  openKeyring,
  envelopeToText,
  envelopeFromText,
  envelopeKeyId,
  argentinaHolidays,
  Inventory,
  Keyring,
  FieldCipher,
  DataKey,
  BlindIndexKey,
} = inventario
export default inventario
