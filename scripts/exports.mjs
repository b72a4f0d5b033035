// Lists the public API: for regression checks when modules move (node scripts/exports.mjs > before.txt; ... ; diff).
// Lists the export names (values and types) of every package.json entry point, via the TS checker.
import ts from 'typescript';
import fs from 'node:fs';
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const entries = Object.entries(pkg.exports).filter(([, v]) => typeof v === 'object').map(([k, v]) => [k, v.types.replace('./dist/', '').replace('.d.ts', '.ts')]);
const program = ts.createProgram(entries.map(([, f]) => f), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true });
const checker = program.getTypeChecker();
for (const [k, f] of entries) {
  const sf = program.getSourceFile(f);
  const names = checker.getExportsOfModule(checker.getSymbolAtLocation(sf)).map((s) => s.name).sort();
  console.log(k, names.join(' '));
  // members of exported classes, to catch leaks such as Decoder's base class
  for (const s of checker.getExportsOfModule(checker.getSymbolAtLocation(sf))) {
    const sym = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    if (sym.flags & ts.SymbolFlags.Class) {
      const inst = checker.getDeclaredTypeOfSymbol(sym);
      console.log(`  ${k}:${s.name} ${checker.getPropertiesOfType(inst).filter((p) => !(ts.getDeclarationModifierFlagsFromSymbol(p) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) && !p.name.startsWith('#')).map((p) => p.name.replace(/@\d+$/, '')).sort().join(' ')}`);
    }
  }
}
