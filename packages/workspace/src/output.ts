/**
 * Keeps the first and last `limit / 2` bytes of a stream and counts the rest, so a command
 * printing gigabytes costs constant memory and the model still sees how it started and ended.
 */
export class OutputCapture {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(limit: number) {
    this.headLimit = Math.ceil(limit / 2);
    this.tailLimit = Math.floor(limit / 2);
  }

  write(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.headLimit) {
      const take = rest.subarray(0, this.headLimit - this.headBytes);
      // Copies, so a retained slice never pins a large pipe buffer.
      this.head.push(Buffer.from(take));
      this.headBytes += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length === 0 || this.tailLimit === 0) return;
    const piece = rest.length > this.tailLimit ? rest.subarray(rest.length - this.tailLimit) : rest;
    this.tail.push(Buffer.from(piece));
    this.tailBytes += piece.length;
    while (this.tail.length > 1 && this.tailBytes - (this.tail[0] as Buffer).length >= this.tailLimit) {
      this.tailBytes -= (this.tail.shift() as Buffer).length;
    }
  }

  /** Bytes received but not kept. */
  get elidedBytes(): number {
    return Math.max(0, this.total - this.headBytes - Math.min(this.tailBytes, this.tailLimit));
  }

  get totalBytes(): number {
    return this.total;
  }

  text(): string {
    const tail = Buffer.concat(this.tail);
    const keptTail = tail.subarray(Math.max(0, tail.length - this.tailLimit));
    const head = Buffer.concat(this.head).toString("utf8");
    const elided = this.elidedBytes;
    if (elided === 0) return head + keptTail.toString("utf8");
    return `${head}\n[... ${elided} bytes elided ...]\n${keptTail.toString("utf8")}`;
  }
}
