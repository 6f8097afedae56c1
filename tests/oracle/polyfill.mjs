// Node 20 lacks Promise.withResolvers, which DevTools' heap-snapshot worker bundle uses. Loaded
// with `node --import ./polyfill.mjs`; worker threads inherit execArgv, so they get it too.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return {promise, resolve, reject};
  };
}
