/**
 * An upper bound of what zstd data decompresses to, from its frame and block headers alone (RFC 8878, sections 3.1
 * and 3.1.1.2): a raw or RLE block says its decompressed size, a compressed block yields at most 128 KiB. A few KiB
 * of RLE blocks can say gigabytes, so a decoder that writes its whole output into memory is only safe when the bound
 * is small. Walking the headers costs a few steps per 128 KiB of output, nothing next to decoding.
 */

const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames have magic numbers 0x184D2A50 to 0x184D2A5F. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAXIMUM_SIZE = 128 * 1024;
const DICTIONARY_ID_SIZES = [0, 1, 2, 4] as const;
const CONTENT_SIZE_SIZES = [0, 2, 4, 8] as const;
const BLOCK_RAW = 0;
const BLOCK_RLE = 1;
const BLOCK_COMPRESSED = 2;

/**
 * The most bytes the zstd frames filling `data` can decompress to, or undefined when the frames do not fill it
 * exactly (truncated or corrupt: a streaming decoder reports that properly).
 */
export function zstdDecodedSizeBound(data: Uint8Array): number | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let bound = 0;
  let position = 0;
  while (position < data.length) {
    if (position + 8 > data.length) return undefined;
    const magic = view.getUint32(position, true);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      position += 8 + view.getUint32(position + 4, true);
      continue;
    }
    if (magic !== FRAME_MAGIC) return undefined;
    const descriptor = data[position + 4]!;
    const singleSegment = (descriptor & 0x20) !== 0;
    const contentSizeFlag = descriptor >> 6;
    const contentSizeSize = contentSizeFlag === 0 && singleSegment ? 1 : CONTENT_SIZE_SIZES[contentSizeFlag]!;
    position += 5 + (singleSegment ? 0 : 1) + DICTIONARY_ID_SIZES[descriptor & 0x03]! + contentSizeSize;
    for (let last = false; !last; ) {
      if (position + 3 > data.length) return undefined;
      const header = data[position]! | (data[position + 1]! << 8) | (data[position + 2]! << 16);
      last = (header & 1) === 1;
      const type = (header >> 1) & 0x03;
      const size = header >>> 3;
      position += 3;
      if (type === BLOCK_RAW) {
        bound += size;
        position += size;
      } else if (type === BLOCK_RLE) {
        bound += size;
        position += 1;
      } else if (type === BLOCK_COMPRESSED) {
        bound += BLOCK_MAXIMUM_SIZE;
        position += size;
      } else {
        return undefined;
      }
    }
    if ((descriptor & 0x04) !== 0) position += 4; // content checksum
  }
  return position === data.length ? bound : undefined;
}
