// A script whose source map names another file (original.ts): prints where util.getCallSites()
// says it is called from, by default and when source maps are asked for.
import util from 'node:util';

const byDefault = util.getCallSites()[0];
const mapped = util.getCallSites({ sourceMap: true })[0];
console.log(
  JSON.stringify({ byDefault: byDefault?.scriptName, line: byDefault?.lineNumber, mapped: mapped?.scriptName }),
);
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjogMywgInNvdXJjZXMiOiBbIm9yaWdpbmFsLnRzIl0sICJuYW1lcyI6IFtdLCAibWFwcGluZ3MiOiAiOzs7O0FBQUE7QUFDQSJ9
