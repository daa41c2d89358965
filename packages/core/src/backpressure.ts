/** The events of a writable stream that end a wait for room: Node's streams and gRPC's server streams. */
interface WaitableStream {
  on(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Until the reader has taken what is buffered ('drain') or went away ('close': an HTTP client
 * that disconnected, a gRPC call the client cancelled). A reader that goes away mid-wait must end
 * the wait, or the writer hangs holding what it read ahead. Both listeners go once either fires:
 * a large export waits thousands of times on one stream.
 */
export function untilDrainedOrClosed(stream: WaitableStream): Promise<void> {
  return new Promise((resolve) => {
    const settle = () => {
      stream.off('drain', settle);
      stream.off('close', settle);
      resolve();
    };
    stream.on('drain', settle);
    stream.on('close', settle);
  });
}
