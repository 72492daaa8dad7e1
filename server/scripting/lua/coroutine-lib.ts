/**
 * Lua 5.1's coroutine library: create, resume, running, status, wrap, yield.
 *
 * A coroutine is a thread of its own (CoroutineState: its own stack and frames). Resumed by Lua
 * code in a script's main run, it runs in that same loop (vm.ts switches threads), so a long
 * loop inside a coroutine still pauses for the event loop; resumed from native code, it runs in
 * a nested VM loop until it returns or yields. Either way yield is recognised by the VM's call
 * instruction, which saves the coroutine where it stands. As in Lua 5.1, a
 * coroutine can only yield from its own Lua code, not from inside a metamethod, a pcall or a
 * native callback ("attempt to yield across metamethod/C-call boundary").
 */
import { CoroutineState, WrapFunction } from './coroutine-state';
import { LuaTable } from './table';
import { LuaError, NativeFunction, type LuaValue } from './values';
import { LuaClosure } from './closure';
import type { LuaVM } from './vm';
import { argError } from './lib-args';

function checkCoroutine(vm: LuaVM, args: LuaValue[], name: string): CoroutineState {
  const co = args[0];
  if (!(co instanceof CoroutineState)) argError(vm, 1, name, 'coroutine expected');
  return co;
}

export function openCoroutineLib(vm: LuaVM): LuaTable {
  const lib = new LuaTable(0, 8);
  const define = (name: string, body: (args: LuaValue[]) => LuaValue[]): NativeFunction => {
    const fn = new NativeFunction(name, (_rt, args) => body(args));
    lib.setStr(name, fn);
    return fn;
  };
  define('create', (args) => {
    const body = args[0];
    if (!(body instanceof LuaClosure)) argError(vm, 1, 'create', 'Lua function expected');
    return [new CoroutineState(body)];
  });
  vm.resumeFunction = define('resume', (args) => {
    const co = checkCoroutine(vm, args, 'resume');
    const outcome = vm.resume(co, args.slice(1));
    return outcome.ok ? [true, ...outcome.values] : [false, outcome.error];
  });
  define('running', () => [vm.current === vm.main ? undefined : vm.current]);
  define('status', (args) => [checkCoroutine(vm, args, 'status').status()]);
  define('wrap', (args) => {
    const body = args[0];
    if (!(body instanceof LuaClosure)) argError(vm, 1, 'wrap', 'Lua function expected');
    const co = new CoroutineState(body);
    return [
      new WrapFunction(co, (_rt, resumeArgs) => {
        const outcome = vm.resume(co, resumeArgs);
        if (outcome.ok) return outcome.values;
        // Lua 5.1 re-raises the error; a message gets the position of the wrap's caller.
        throw new LuaError(outcome.error, typeof outcome.error === 'string');
      }),
    ];
  });
  // The VM's call instruction recognises this function and suspends the running coroutine;
  // reaching the body means it was called from native code (pcall, a metamethod...).
  vm.yieldFunction = define('yield', () => vm.error('attempt to yield across metamethod/C-call boundary'));
  return lib;
}
