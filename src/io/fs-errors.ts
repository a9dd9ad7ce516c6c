/**
 * File-system errors as one line a user can act on: what failed, on which path, and why in words
 * with the code (`cannot write run/checkpoint.safetensors: no space left on device (ENOSPC)`),
 * instead of Node's `ENOSPC: no space left on device, write` that names no file.
 */

const WHY: Record<string, string> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large for this file system',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  ENOENT: 'no such file or directory',
  EEXIST: 'it already exists',
  EIO: 'an input/output error of the device',
};

/** `cannot <action> <path>: <reason> (<CODE>)`, keeping the code on the returned error. */
export function describeFsError(action: string, path: string, e: unknown): NodeJS.ErrnoException {
  const err = e as NodeJS.ErrnoException;
  const reason = err?.code && WHY[err.code] ? `${WHY[err.code]} (${err.code})` : err?.message ?? String(e);
  const out = new Error(`cannot ${action} ${path}: ${reason}`) as NodeJS.ErrnoException;
  if (err?.code) out.code = err.code;
  return out;
}
