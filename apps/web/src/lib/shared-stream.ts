/**
 * One subscription for all the tabs of the shop that ask for the same `name`: a browser keeps at
 * most 6 connections to the shop, and every open SSE stream holds one, so a stream per tab would
 * leave a seventh tab (or a second tab on an order page) waiting forever for its next request.
 *
 * One tab holds the stream (a Web Lock named `name`; when it closes or stops, the next waiting tab
 * takes the lock and opens the stream) and passes each value to the others over a BroadcastChannel.
 * `onValue` runs in every tab, the holder's included. Without Web Locks, each tab opens its own.
 * Returns the function that stops it (and gives the stream to another tab).
 */
export function sharedStream<T>(
  name: string,
  open: (emit: (value: T) => void) => () => void,
  onValue: (value: T) => void,
): () => void {
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
  channel?.addEventListener('message', (e: MessageEvent<T>) => onValue(e.data));
  const emit = (value: T) => {
    onValue(value);
    channel?.postMessage(value);
  };
  const gone = new AbortController();
  let release = () => {};
  if (typeof navigator !== 'undefined' && navigator.locks) {
    navigator.locks
      .request(name, { signal: gone.signal }, () => {
        if (gone.signal.aborted) return;
        const close = open(emit);
        return new Promise<void>((done) => {
          release = () => {
            close();
            done();
          };
        });
      })
      .catch(() => undefined); // stopped while another tab held the stream
  } else {
    release = open(emit);
  }
  return () => {
    gone.abort();
    release();
    channel?.close();
  };
}

/** A per-user part of a stream's name (the token's tail: tabs of the same shopper share it). */
export function tokenTag(token: string): string {
  return token.slice(-24);
}
