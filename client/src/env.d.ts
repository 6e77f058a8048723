/// <reference types="svelte" />
/// <reference types="vite/client" />

interface Window {
  /** Safari before 14.1 names its audio context so. */
  webkitAudioContext?: typeof AudioContext;
}
