/**
 * Public door of io: safetensors encoding/decoding, recur's one-file model format (with the
 * CRC-32 of each tensor), and ONNX export. Readers validate everything before allocating.
 */
export { encodeSafetensors, decodeSafetensors, readSafetensorsHeader, type SafetensorsFile, type SafetensorsHeader, type SafetensorsTensorInfo } from './safetensors.js';
export type { SafetensorsDtype, SafetensorsOptions } from './safetensors-header.js';
export {
  encodeModelFile, decodeModelFile, saveModel, loadModel, modelMetadata, modelExtrasOf, MODEL_FORMAT_VERSION, MAX_MODEL_HEADER_BYTES, type ModelExtras, type LoadedModel, type DecodeModelOptions,
} from './model-file.js';
export { crc32, TENSOR_CHECKSUMS_KEY, METADATA_CHECKSUMS_KEY } from './checksums.js';
export { exportOnnx, ONNX_OPSETS, type OnnxExportOptions } from './onnx/export.js';
export { writeFileAtomic } from './atomic-write.js';
