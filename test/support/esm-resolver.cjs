// Several dependencies (middy 7, uuid 14, commander 15, @sparticuz/chromium…) ship ESM only and
// expose just an `import` export condition. Jest resolves with `require` conditions, so when that
// finds nothing we retry with `import`; the transform below then turns those files into CJS.
module.exports = (request, options) => {
  try {
    return options.defaultResolver(request, options);
  } catch (error) {
    if (request.startsWith('.') || request.startsWith('/')) throw error;
    return options.defaultResolver(request, { ...options, conditions: ['import', 'node', 'default'] });
  }
};
