import t from 'tap';
import { crc16, keyHashSlot } from '../../storage/key-slot';

t.test('CRC16 and hash slots match redis-wire.md §1.13', async (t) => {
  t.equal(crc16('123456789'), 0x31c3);
  const vectors: Array<[string, number]> = [
    ['foo', 12182],
    ['bar', 5061],
    ['hello', 866],
    ['{user1000}.following', 3443],
    ['{}foo', 9500],
    ['foo{}{bar}', 8363],
    ['foo{{bar}}zap', 4015],
  ];
  for (const [key, slot] of vectors) t.equal(keyHashSlot(key), slot, key);
  t.equal(keyHashSlot('{user1000}.followers'), keyHashSlot('{user1000}.following'));
});
