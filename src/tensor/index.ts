export { Tensor, IntTensor } from './tensor.js';
export { type Shape, shapeSize, shapeEquals, formatShape, expectShape } from './shape.js';
