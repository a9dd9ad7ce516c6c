// STUB
export function softmaxCrossEntropyForward(rows: i32, classes: i32, logits: usize, targets: usize, ignoreIndex: i32, probs: usize, losses: usize): i32 { unreachable(); return 0; }
export function softmaxCrossEntropyBackward(rows: i32, classes: i32, probs: usize, targets: usize, ignoreIndex: i32, rowScale: usize, dLogits: usize): void { unreachable(); }
export function softmax(rows: i32, cols: i32, x: usize, y: usize): void { unreachable(); }
