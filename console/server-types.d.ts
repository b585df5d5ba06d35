// The client's types (src/client/types.ts) come from the server's schemas, so this program
// loads server modules written for the Workers runtime next to the DOM library the console
// needs. Under the DOM library, SubtleCrypto lacks the Workers signatures those modules call;
// these declarations merge them in. Types only: nothing here reaches a browser.
interface SubtleCrypto {
  timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
  digest(algorithm: string, data: ArrayBufferView<ArrayBufferLike>): Promise<ArrayBuffer>;
  verify(
    algorithm: string,
    key: CryptoKey,
    signature: ArrayBufferView<ArrayBufferLike>,
    data: ArrayBufferView<ArrayBufferLike>,
  ): Promise<boolean>;
}

// The Workers types also declare HTMLRewriter's `Element`, whose `append` would hide the DOM's
// (ParentNode) one that the console calls.
interface Element {
  append(...nodes: (Node | string)[]): void;
}
