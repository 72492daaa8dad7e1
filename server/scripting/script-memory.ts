/**
 * The scripting figures of INFO memory, as Redis 7.0 reports them.
 *
 * Exact: the counts (number_of_cached_scripts, number_of_functions, number_of_libraries) and
 * used_memory_scripts_eval, which Redis adds up from its allocations for each cached script: the
 * SHA's sds string (40 characters), the body's string object, a dict entry and the script's
 * structure (24 + 16 bytes), and the dict's table of slots (8 bytes each: 4 at first, doubling
 * once the scripts fill it). Sizes are jemalloc's classes (allocationBytes).
 *
 * Estimated: the Lua interpreters' own memory (used_memory_vm_*: what C Lua's allocator holds,
 * which a different interpreter cannot reproduce) starts from the figures of a fresh Redis and
 * grows with the code loaded; used_memory_functions starts from Redis's empty figure and grows
 * with each library's code and names. They move the way Redis's move, not to the byte.
 */
import { allocationBytes, sdsHeaderBytes } from '../network/client-memory';
import type { FunctionEngine } from './function-engine';
import type { ScriptEngine } from './script-engine';

/** A fresh Redis 7.0.15's used_memory_vm_eval and used_memory_vm_functions. */
const FRESH_EVAL_VM_BYTES = 32 * 1024;
const FRESH_FUNCTIONS_VM_BYTES = 34 * 1024;
/** Lua's memory for one compiled chunk beyond its source text (measured: ~400 bytes). */
const COMPILED_CHUNK_BYTES = 400;
/** used_memory_functions with no library loaded (the engines dict and the library context). */
const EMPTY_FUNCTIONS_BYTES = 200;
/** A dict entry and a dict slot. */
const DICT_ENTRY_BYTES = 24;
const DICT_SLOT_BYTES = 8;
/** The sds header of a short string (sdshdr8) and its NUL. */
const SDS8_OVERHEAD = 4;
/** Strings up to this length are embedded in their object (embstr), as Redis creates them. */
const EMBSTR_MAX = 44;
const OBJECT_HEADER_BYTES = 16;

export interface ScriptingMemory {
  usedMemoryVmEval: number;
  usedMemoryScriptsEval: number;
  numberOfCachedScripts: number;
  numberOfFunctions: number;
  numberOfLibraries: number;
  usedMemoryVmFunctions: number;
  usedMemoryFunctions: number;
}

export function scriptingMemory(scripts: ScriptEngine | null, functions: FunctionEngine | null): ScriptingMemory {
  let scriptBytes = 0;
  let sourceBytes = 0;
  const cached = scripts === null ? 0 : scripts.scripts.size;
  for (const script of scripts?.scripts.values() ?? []) {
    scriptBytes += allocationBytes(40 + SDS8_OVERHEAD) + stringObjectBytes(script.body.length) + DICT_ENTRY_BYTES + 16;
    sourceBytes += script.body.length + COMPILED_CHUNK_BYTES;
  }
  if (cached > 0) scriptBytes += dictSlots(cached) * DICT_SLOT_BYTES;
  let functionBytes = EMPTY_FUNCTIONS_BYTES;
  let functionSource = 0;
  let functionCount = 0;
  const libraries = functions === null ? [] : [...functions.libraries.values()];
  for (const library of libraries) {
    functionBytes += allocationBytes(library.code.length + SDS8_OVERHEAD) + allocationBytes(library.name.length + SDS8_OVERHEAD) + 64;
    functionSource += library.code.length + COMPILED_CHUNK_BYTES;
    for (const name of library.functions.keys()) {
      functionBytes += allocationBytes(name.length + SDS8_OVERHEAD) + 2 * DICT_ENTRY_BYTES;
      functionCount++;
    }
  }
  if (functionCount > 0) functionBytes += dictSlots(functionCount) * DICT_SLOT_BYTES;
  return {
    usedMemoryVmEval: FRESH_EVAL_VM_BYTES + roundToKilobytes(sourceBytes),
    usedMemoryScriptsEval: scriptBytes,
    numberOfCachedScripts: cached,
    numberOfFunctions: functionCount,
    numberOfLibraries: libraries.length,
    usedMemoryVmFunctions: FRESH_FUNCTIONS_VM_BYTES + roundToKilobytes(functionSource),
    usedMemoryFunctions: functionBytes,
  };
}

/** A string object's bytes as Redis counts them: the embstr's share, or the sds allocation. */
function stringObjectBytes(length: number): number {
  if (length <= EMBSTR_MAX) return allocationBytes(OBJECT_HEADER_BYTES + SDS8_OVERHEAD - 1 + length + 1) - OBJECT_HEADER_BYTES;
  return allocationBytes(sdsHeaderBytes(length) + length + 1);
}

/** A dict's table size holding `entries`: 4 slots, doubled whenever a new entry finds it full. */
function dictSlots(entries: number): number {
  let slots = 4;
  while (slots < entries) slots *= 2;
  return slots;
}

/** Lua reports its memory in whole kilobytes (lua_gc's count, times 1024). */
function roundToKilobytes(bytes: number): number {
  return Math.ceil(bytes / 1024) * 1024;
}
