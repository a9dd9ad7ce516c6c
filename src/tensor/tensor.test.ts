// Tests of Tensor and IntTensor: views along the first axis share memory with their parent,
// copies do not, and range and shape errors name the function and the values that came.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IntTensor, Tensor } from './tensor.js';

/** [3, 2, 2] holding 0..11 row-major. */
const iota = () => Tensor.from(Array.from({ length: 12 }, (_, i) => i), [3, 2, 2]);

test('Tensor.at, slice and reshape are zero-copy views: writes show in both directions', () => {
  const t = iota();
  const row = t.at(1);
  assert.deepEqual(row.shape, [2, 2]);
  assert.deepEqual(row.toArray(), [4, 5, 6, 7]);
  row.data[2] = -1; // element (1, 1, 0) of the parent
  assert.equal(t.data[6], -1);
  t.data[5] = 50;
  assert.equal(row.data[1], 50);

  const rows = t.slice(1, 3);
  assert.deepEqual(rows.shape, [2, 2, 2]);
  assert.deepEqual(rows.toArray(), t.toArray().slice(4));
  rows.data[7] = 70; // last element of the parent
  assert.equal(t.data[11], 70);
  t.data[8] = 80;
  assert.equal(rows.data[4], 80);
  assert.equal(rows.data.buffer, t.data.buffer);
  assert.equal(rows.data.byteOffset, 4 * Float32Array.BYTES_PER_ELEMENT);

  const flat = t.reshape([4, 3]);
  assert.deepEqual(flat.shape, [4, 3]);
  assert.equal(flat.data, t.data, 'the very same array');
  flat.data[0] = 9;
  assert.equal(t.data[0], 9);

  // A view of a view still writes into the root.
  const inner = t.slice(1, 3).at(1).reshape([4]).slice(1, 2);
  inner.data[0] = 123;
  assert.equal(t.data[9], 123);
  assert.deepEqual(t.slice(2, 2).shape, [0, 2, 2], 'an empty range is a valid view');
});

test('Tensor.clone and Tensor.from copy: writes do not cross', () => {
  const t = iota();
  const c = t.clone();
  c.data[0] = 100;
  t.data[1] = 100;
  assert.deepEqual([t.data[0], c.data[1]], [0, 1]);
  const src = new Float32Array([1, 2, 3]);
  const f = Tensor.from(src);
  src[0] = 7;
  assert.equal(f.data[0], 1);
  assert.deepEqual(f.shape, [3]);
});

test('IntTensor.at, slice and reshape are zero-copy views too', () => {
  const t = IntTensor.from([0, 1, 2, 3, 4, 5], [3, 2]);
  t.at(2).data[1] = 50;
  assert.equal(t.data[5], 50);
  const s = t.slice(0, 2);
  t.data[2] = 20;
  assert.equal(s.data[2], 20);
  t.reshape([6]).data[0] = -3;
  assert.equal(t.data[0], -3);
  assert.deepEqual(t.slice(1, 3).toArray(), [20, 3, 4, 50]);
});

test('range errors name the function, the index or range, and the shape', () => {
  const t = iota();
  assert.throws(() => t.at(3), { message: 'Tensor.at: index 3 is outside the first axis of [3, 2, 2]' });
  assert.throws(() => t.at(-1), { message: 'Tensor.at: index -1 is outside the first axis of [3, 2, 2]' });
  assert.throws(() => t.at(0.5), { message: 'Tensor.at: index 0.5 is outside the first axis of [3, 2, 2]' });
  assert.throws(() => t.slice(1, 4), { message: 'Tensor.slice: range [1, 4) is outside the first axis of [3, 2, 2]' });
  assert.throws(() => t.slice(2, 1), { message: 'Tensor.slice: range [2, 1) is outside the first axis of [3, 2, 2]' });
  assert.throws(() => t.slice(-1, 2), { message: 'Tensor.slice: range [-1, 2) is outside the first axis of [3, 2, 2]' });
  assert.throws(() => Tensor.zeros([]).at(0), { message: 'Tensor.at: index 0 is outside the first axis of []' });
  assert.throws(() => Tensor.zeros([]).slice(0, 0), { message: 'Tensor.slice: a scalar has no first axis' });
  const ids = IntTensor.zeros([2, 3]);
  assert.throws(() => ids.at(2), { message: 'IntTensor.at: index 2 is outside the first axis of [2, 3]' });
  assert.throws(() => ids.slice(0, 3), { message: 'IntTensor.slice: range [0, 3) is outside the first axis of [2, 3]' });
});

test('shape errors name the function, the shapes and the sizes', () => {
  const t = iota();
  assert.throws(() => t.reshape([5, 2]), { message: 'Tensor.reshape: cannot view [3, 2, 2] as [5, 2]' });
  assert.throws(() => IntTensor.zeros([2, 3]).reshape([4]), { message: 'IntTensor.reshape: cannot view [2, 3] as [4]' });
  assert.throws(() => new Tensor(new Float32Array(5), [2, 3]), { message: 'Tensor: data has 5 elements but shape [2, 3] needs 6' });
  assert.throws(() => new IntTensor(new Int32Array(7), [2, 3]), { message: 'IntTensor: data has 7 elements but shape [2, 3] needs 6' });
  assert.throws(() => new Tensor(new Float32Array(2), [2, -1]), { message: 'Tensor: shape must hold non-negative integers, got [2, -1]' });
  // The factories check before allocating: a bad size would otherwise be a bare RangeError.
  assert.throws(() => Tensor.zeros([2, -1]), { message: 'Tensor.zeros: shape must hold non-negative integers, got [2, -1]' });
  assert.throws(() => Tensor.full([1.5], 0), { message: 'Tensor.full: shape must hold non-negative integers, got [1.5]' });
  assert.throws(() => IntTensor.zeros([-3]), { message: 'IntTensor.zeros: shape must hold non-negative integers, got [-3]' });
  assert.throws(() => t.item(), { message: 'Tensor.item: tensor must have one element, got [3, 2, 2]' });
  assert.throws(() => IntTensor.from([1, 2.5]), { message: 'IntTensor.from: element 1 is not an integer (2.5)' });
  assert.equal(Tensor.from([4], [1, 1]).item(), 4);
});

test('shape is a frozen copy: changing the array passed in or the view changes nothing', () => {
  const shape = [2, 3];
  const t = Tensor.zeros(shape);
  shape[0] = 5;
  assert.deepEqual(t.shape, [2, 3]);
  assert.ok(Object.isFrozen(t.shape));
  assert.equal(t.rank, 2);
  assert.equal(t.size, 6);
  assert.equal(String(t), 'Tensor[2, 3]');
});
