// compile-contract.js OUT_DIR - compiles src/main/solidity/LeoLedger.sol with the solc of package-lock.json
// into OUT_DIR/LeoLedger.abi (JSON) and OUT_DIR/LeoLedger.bin (creation bytecode, hex). Run from consensus-service/.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const out = process.argv[2];
const source = 'src/main/solidity/LeoLedger.sol';
const input = {
  language: 'Solidity',
  sources: { 'LeoLedger.sol': { content: fs.readFileSync(source, 'utf8') } },
  settings: {
    // cancun (PUSH0, MCOPY, transient storage): what current public and private EVM chains run.
    evmVersion: 'cancun',
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { 'LeoLedger.sol': { LeoLedger: ['abi', 'evm.bytecode.object'] } },
  },
};
const result = JSON.parse(solc.compile(JSON.stringify(input)));
let failed = false;
for (const e of result.errors || []) {
  console.error(e.formattedMessage);
  failed = failed || e.severity === 'error';
}
if (failed) {
  process.exit(1);
}
const contract = result.contracts['LeoLedger.sol'].LeoLedger;
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'LeoLedger.abi'), JSON.stringify(contract.abi, null, 1) + '\n');
fs.writeFileSync(path.join(out, 'LeoLedger.bin'), contract.evm.bytecode.object + '\n');
console.log('solc ' + solc.version() + ': ' + source + ' -> ' + out + ' (' + contract.evm.bytecode.object.length / 2 + ' bytes of creation code)');
