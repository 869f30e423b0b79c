// A memory-bandwidth hog for the loaded passes of the benchmarks: walks a 256 MiB buffer (far larger
// than any last-level cache) a cache line at a time, reading and writing, until it is killed. It takes
// one core and evicts other processes' cached data, as a busy neighbour on a shared machine does.
const words = new Float64Array(32 * 1024 * 1024);
process.send?.('ready');
let sum = 0;
for (;;) {
  for (let i = 0; i < words.length; i += 8) {
    sum += words[i];
    words[i] = sum;
  }
}
