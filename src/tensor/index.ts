export { Tensor, IntTensor, type DenseTensor } from './tensor.js';
export { type Shape, shapeSize, shapeEquals, formatShape, expectShape } from './shape.js';
