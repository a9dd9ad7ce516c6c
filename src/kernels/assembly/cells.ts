// STUB
export function lstmCellForward(batch: i32, hidden: i32, gates: usize, cPrev: usize, c: usize, h: usize): void { unreachable(); }
export function lstmCellBackward(batch: i32, hidden: i32, gates: usize, cPrev: usize, c: usize, dh: usize, dc: usize, dGates: usize, dcPrev: usize): void { unreachable(); }
export function gruCellForward(batch: i32, hidden: i32, xProj: usize, hProj: usize, hPrev: usize, saved: usize, h: usize): void { unreachable(); }
export function gruCellBackward(batch: i32, hidden: i32, saved: usize, hPrev: usize, dh: usize, dxProj: usize, dhProj: usize, dhPrev: usize): void { unreachable(); }
