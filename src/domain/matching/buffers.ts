/** Growable typed arrays, for the matcher's stores. */

/** Growable Int32 buffer. */
export class IntBuffer {
  a: Int32Array
  n = 0
  constructor(capacity = 1024) {
    this.a = new Int32Array(capacity)
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2)
      b.set(this.a)
      this.a = b
    }
    this.a[this.n++] = v
  }
}

/** `arr` when it holds `size`, else a copy with room for it (doubling from 1024). */
export function grow<T extends Float32Array | Int32Array | Uint8Array | Float64Array>(arr: T, size: number): T {
  if (arr.length >= size) return arr
  let cap = Math.max(arr.length, 1024)
  while (cap < size) cap *= 2
  const next = new (arr.constructor as new (n: number) => T)(cap)
  next.set(arr)
  return next
}
