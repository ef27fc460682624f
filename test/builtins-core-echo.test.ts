import { describe, expect, it } from 'vitest';
import { builtins } from '../src/rshell/builtins/core/index.js';
import { run } from './builtins-core-harness.js';

describe('echo', () => {
  it.each([
    [[], '\n'],
    [['a', '', 'b'], 'a  b\n'],
    [['-n', 'hello'], 'hello'],
    [['-n', '-e', 'a\\nb'], 'a\nb'],
    [['-ne', 'a\\tb'], 'a\tb'],
    [['-eE', 'a\\nb'], 'a\\nb\n'],
    [['-E', 'a\\nb'], 'a\\nb\n'],
    [['a\\nb'], 'a\\nb\n'],
    [['-nxyz', 'hello'], '-nxyz hello\n'],
    [['--', 'hello'], '-- hello\n'],
    [['--help'], '--help\n'],
    [['-', '-'], '- -\n'],
    [['hello', '-n'], 'hello -n\n'],
    [['-e'], '\n'],
    [['-e', '\\a\\b\\e\\E\\f\\r\\v\\\\'], '\x07\b\x1b\x1b\f\r\v\\\n'],
    [['-e', '\\0477'], '?\n'],
    [['-e', '\\0101\\101\\07'], 'A\\101\x07\n'],
    [['-e', '\\x41\\x4a\\xZZ\\x'], 'AJ\\xZZ\\x\n'],
    [['-e', '\\u00e9\\U0001F600\\u'], '\xc3\xa9\xf0\x9f\x98\x80\\u\n'],
    [['-e', '\\UFFFFFFFF'], '\n'],
    [['-e', '\\uD800'], '\xef\xbf\xbd\n'],
    [['-e', 'hello\\'], 'hello\\\n'],
    [['-e', 'hello\\cworld'], 'hello'],
    [['-e', 'a\\c', 'b'], 'a'],
    [['-e', 'a\\nb', 'c\\nd'], 'a\nb c\nd\n'],
    [['\xff\xfe'], '\xff\xfe\n'],
  ])('echo %j', async (args, want) => {
    expect(await run(builtins.echo, 'echo', args as string[])).toEqual({ code: 0, stdout: want, stderr: '' });
  });
});

describe('true and false', () => {
  it.each([[[]], [['-x']], [['--help']], [['--unknown', 'a', 'b']]])('ignore %j', async (args) => {
    expect(await run(builtins.true, 'true', args as string[])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await run(builtins.false, 'false', args as string[])).toEqual({ code: 1, stdout: '', stderr: '' });
  });
});
