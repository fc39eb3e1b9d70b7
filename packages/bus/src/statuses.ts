/** Ends a connection's status iterator: the client's has stop(), which is not on the AsyncIterable type. */
export function stopStatuses(statuses: AsyncIterable<unknown>): void {
  const it: object = statuses;
  if ("stop" in it && typeof it.stop === "function") it.stop();
}
