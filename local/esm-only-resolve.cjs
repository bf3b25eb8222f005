// Some dependencies (middy 7, uuid 14, commander 15, …) export only an `import` condition. Node 22
// can require() ES modules, but resolution with `require` conditions finds no entry for them.
// This hook retries such bare specifiers with the `import` condition — only when plain
// resolution fails, so dual packages keep their CommonJS builds.
const { registerHooks } = require('node:module');

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (error && error.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' && !/^[./]/.test(specifier)) {
        return nextResolve(specifier, { ...context, conditions: [...(context.conditions || []), 'import'] });
      }
      throw error;
    }
  },
});
