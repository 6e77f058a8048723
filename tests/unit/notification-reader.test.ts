import { describe, expect, it } from 'vitest';
import { notificationReader } from '../../server/db/notifications';

/** A backend message: type byte, int32 length (counting itself), body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'ascii');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const notification = (channel: string, payload = '') => {
  const pid = Buffer.alloc(4);
  pid.writeInt32BE(42);
  return message('A', Buffer.concat([pid, Buffer.from(`${channel}\0${payload}\0`)]));
};

// What a COMMIT and a query answer look like on the wire, with bodies that contain the byte 'A'
// and zero-length messages: a reader matching bytes instead of walking messages would be fooled.
const stream = Buffer.concat([
  message('1', Buffer.alloc(0)),
  message('D', Buffer.from('\0\x01\0\0\0\x03AAA')),
  message('C', Buffer.from('COMMIT\0')),
  notification('cuspid_outbox'),
  notification('cuspid_access', 'Ä payload'),
  message('Z', Buffer.from('I')),
  message('T', Buffer.alloc(300, 0x41)),
  notification('cuspid_outbox'),
  message('Z', Buffer.from('I')),
]);
const expected = ['cuspid_outbox', 'cuspid_access', 'cuspid_outbox'];

function read(chunks: Buffer[]): string[] {
  const heard: string[] = [];
  const reader = notificationReader((channel) => heard.push(channel));
  for (const chunk of chunks) reader(new Uint8Array(chunk));
  return heard;
}

describe(notificationReader.name, () => {
  it('reports the channel of each NotificationResponse and nothing else', () => {
    expect(read([stream])).toEqual(expected);
  });

  it('reads messages cut anywhere across chunks', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(read([stream.subarray(0, cut), stream.subarray(cut)]), `cut at ${cut}`).toEqual(expected);
    }
    expect(read([...stream].map((byte) => Buffer.from([byte])))).toEqual(expected);
  });
});
