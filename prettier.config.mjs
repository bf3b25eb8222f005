// Prettier, set to the code's existing style. printWidth 173 is the width that rewrites the fewest
// existing lines (measured over every .ts/.cjs/.mjs file: 160 → 1,378 lines, 173 → 1,309,
// 180 → 1,358, 200 → 1,524); the code has many long lines.
/** @type {import('prettier').Config} */
export default {
  printWidth: 173,
  tabWidth: 2,
  semi: true,
  singleQuote: true,
  trailingComma: 'all',
};
