// Node 20 lacks Promise.withResolvers, which the DevTools heap-snapshot worker bundle uses.
// Loaded with `node --import`, so worker threads (which inherit execArgv) get it too.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return {promise, resolve, reject};
  };
}
