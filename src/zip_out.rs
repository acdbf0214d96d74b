//! A zip writer for packages: whole members, stored or deflated, with the deflating spread
//! over the cores. Each core deflates its own slice of a member; every slice but the last ends
//! on a byte boundary (a sync flush), so the slices join into one valid deflate stream, as
//! pigz does. The CRC is combined from the slices' CRCs. Zip64 records are written where a
//! size, an offset or the member count needs them.

use std::io::{self, Write};

use flate2::{Compress, Compression, FlushCompress, Status};

/// Slices smaller than this are not worth a thread of their own.
const MIN_SLICE: usize = 1 << 20;

/// One member written so far, for the central directory.
#[derive(Debug)]
struct Entry {
    name: String,
    method: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    offset: u64,
}

impl Entry {
    fn zip64(&self, force: bool) -> bool {
        force || self.compressed >= 0xffff_ffff || self.size >= 0xffff_ffff
    }
}

/// Writes a zip archive to `W`, member by member.
pub struct ZipOut<W: Write> {
    out: W,
    written: u64,
    entries: Vec<Entry>,
    /// Zip64 records even where plain ones would do (to test them).
    force_zip64: bool,
}

/// 1980-01-01 00:00, the earliest time a zip can hold: members carry no real time, so the
/// same deck gives the same bytes.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;
/// Names are UTF-8.
const FLAGS: u16 = 0x0800;

impl<W: Write> ZipOut<W> {
    pub fn new(out: W) -> ZipOut<W> {
        ZipOut {
            out,
            written: 0,
            entries: Vec::new(),
            force_zip64: false,
        }
    }

    #[cfg(test)]
    fn with_zip64(out: W) -> ZipOut<W> {
        ZipOut {
            force_zip64: true,
            ..ZipOut::new(out)
        }
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Adds a member stored as is.
    pub fn add_stored(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        let crc = crc(data);
        self.add(name, 0, crc, data.len() as u64, &[data])
    }

    /// Adds a member deflated (fast level), on all cores.
    pub fn add_deflated(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let slice = data.len().div_ceil(threads).max(MIN_SLICE);
        let slices: Vec<(bool, &[u8])> = if data.is_empty() {
            vec![(true, data)]
        } else {
            let count = data.len().div_ceil(slice);
            data.chunks(slice)
                .enumerate()
                .map(|(i, s)| (i + 1 == count, s))
                .collect()
        };
        let parts = crate::parallel::map_each(&slices, |&(last, s)| {
            let mut hasher = crc32fast::Hasher::new();
            hasher.update(s);
            deflate(s, last).map(|bytes| (hasher, bytes))
        });
        let mut crc = crc32fast::Hasher::new();
        let mut pieces = Vec::with_capacity(parts.len());
        for part in parts {
            let (hasher, bytes) = part?;
            crc.combine(&hasher);
            pieces.push(bytes);
        }
        let pieces: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
        self.add(name, 8, crc.finalize(), data.len() as u64, &pieces)
    }

    fn add(
        &mut self,
        name: &str,
        method: u16,
        crc: u32,
        size: u64,
        body: &[&[u8]],
    ) -> io::Result<()> {
        let entry = Entry {
            name: name.to_owned(),
            method,
            crc,
            compressed: body.iter().map(|b| b.len() as u64).sum(),
            size,
            offset: self.written,
        };
        let zip64 = entry.zip64(self.force_zip64);
        let mut header = Vec::with_capacity(30 + name.len() + 20);
        header.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        header.extend_from_slice(&(if zip64 { 45u16 } else { 20 }).to_le_bytes());
        header.extend_from_slice(&FLAGS.to_le_bytes());
        header.extend_from_slice(&method.to_le_bytes());
        header.extend_from_slice(&DOS_TIME.to_le_bytes());
        header.extend_from_slice(&DOS_DATE.to_le_bytes());
        header.extend_from_slice(&crc.to_le_bytes());
        if zip64 {
            header.extend_from_slice(&u32::MAX.to_le_bytes());
            header.extend_from_slice(&u32::MAX.to_le_bytes());
        } else {
            header.extend_from_slice(&(entry.compressed as u32).to_le_bytes());
            header.extend_from_slice(&(entry.size as u32).to_le_bytes());
        }
        header.extend_from_slice(&(name.len() as u16).to_le_bytes());
        header.extend_from_slice(&(if zip64 { 20u16 } else { 0 }).to_le_bytes());
        header.extend_from_slice(name.as_bytes());
        if zip64 {
            header.extend_from_slice(&1u16.to_le_bytes());
            header.extend_from_slice(&16u16.to_le_bytes());
            header.extend_from_slice(&entry.size.to_le_bytes());
            header.extend_from_slice(&entry.compressed.to_le_bytes());
        }
        self.put(&header)?;
        for part in body {
            self.put(part)?;
        }
        self.entries.push(entry);
        Ok(())
    }

    /// Writes the central directory and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        let start = self.written;
        let entries = std::mem::take(&mut self.entries);
        for e in &entries {
            // The zip64 extra holds, in this order, whichever of the three does not fit.
            let mut extra = Vec::new();
            let big_sizes = e.zip64(self.force_zip64);
            let big_offset = self.force_zip64 || e.offset >= 0xffff_ffff;
            if big_sizes {
                extra.extend_from_slice(&e.size.to_le_bytes());
                extra.extend_from_slice(&e.compressed.to_le_bytes());
            }
            if big_offset {
                extra.extend_from_slice(&e.offset.to_le_bytes());
            }
            let zip64 = !extra.is_empty();
            let mut header = Vec::with_capacity(46 + e.name.len() + 28);
            header.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            // Made by: zip 4.5 on Unix (so the mode in the external attributes applies).
            header.extend_from_slice(&(45u16 | (3 << 8)).to_le_bytes());
            header.extend_from_slice(&(if zip64 { 45u16 } else { 20 }).to_le_bytes());
            header.extend_from_slice(&FLAGS.to_le_bytes());
            header.extend_from_slice(&e.method.to_le_bytes());
            header.extend_from_slice(&DOS_TIME.to_le_bytes());
            header.extend_from_slice(&DOS_DATE.to_le_bytes());
            header.extend_from_slice(&e.crc.to_le_bytes());
            let small = |v: u64, big: bool| if big { u32::MAX } else { v as u32 };
            header.extend_from_slice(&small(e.compressed, big_sizes).to_le_bytes());
            header.extend_from_slice(&small(e.size, big_sizes).to_le_bytes());
            header.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            let extra_len = if zip64 { 4 + extra.len() } else { 0 };
            header.extend_from_slice(&(extra_len as u16).to_le_bytes());
            header.extend_from_slice(&0u16.to_le_bytes()); // comment
            header.extend_from_slice(&0u16.to_le_bytes()); // disk
            header.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
            header.extend_from_slice(&(0o100_644u32 << 16).to_le_bytes());
            header.extend_from_slice(&small(e.offset, big_offset).to_le_bytes());
            header.extend_from_slice(e.name.as_bytes());
            if zip64 {
                header.extend_from_slice(&1u16.to_le_bytes());
                header.extend_from_slice(&(extra.len() as u16).to_le_bytes());
                header.extend_from_slice(&extra);
            }
            self.put(&header)?;
        }
        let (count, size) = (entries.len() as u64, self.written - start);
        let zip64 =
            self.force_zip64 || count >= 0xffff || size >= 0xffff_ffff || start >= 0xffff_ffff;
        let mut end = Vec::with_capacity(98);
        if zip64 {
            let record = self.written;
            end.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            end.extend_from_slice(&44u64.to_le_bytes());
            end.extend_from_slice(&(45u16 | (3 << 8)).to_le_bytes());
            end.extend_from_slice(&45u16.to_le_bytes());
            end.extend_from_slice(&0u32.to_le_bytes());
            end.extend_from_slice(&0u32.to_le_bytes());
            end.extend_from_slice(&count.to_le_bytes());
            end.extend_from_slice(&count.to_le_bytes());
            end.extend_from_slice(&size.to_le_bytes());
            end.extend_from_slice(&start.to_le_bytes());
            // The locator.
            end.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            end.extend_from_slice(&0u32.to_le_bytes());
            end.extend_from_slice(&record.to_le_bytes());
            end.extend_from_slice(&1u32.to_le_bytes());
        }
        let count16 = if zip64 { u16::MAX } else { count as u16 };
        end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        end.extend_from_slice(&count16.to_le_bytes());
        end.extend_from_slice(&count16.to_le_bytes());
        let small = |v: u64| if zip64 { u32::MAX } else { v as u32 };
        end.extend_from_slice(&small(size).to_le_bytes());
        end.extend_from_slice(&small(start).to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        self.put(&end)?;
        Ok(self.out)
    }
}

fn crc(data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(data);
    hasher.finalize()
}

/// Raw deflate (fast level) of one slice; all but the last end with a sync flush, so the next
/// slice's blocks follow on a byte boundary.
fn deflate(data: &[u8], last: bool) -> io::Result<Vec<u8>> {
    let mut engine = Compress::new(Compression::fast(), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    loop {
        let consumed = engine.total_in() as usize;
        let status = engine
            .compress_vec(&data[consumed..], &mut out, flush)
            .map_err(io::Error::other)?;
        let done = engine.total_in() as usize == data.len();
        match status {
            Status::StreamEnd => break,
            // A sync flush is complete once all input is in and output room is left over.
            Status::Ok | Status::BufError if !last && done && out.len() < out.capacity() => break,
            _ => out.reserve(out.capacity().max(64 * 1024)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    /// Data that compresses a little, like a database: repeated text with a counter in it.
    fn sample(len: usize) -> Vec<u8> {
        let mut data = Vec::with_capacity(len + 64);
        let mut i = 0u64;
        while data.len() < len {
            data.extend_from_slice(format!("<p>row {i} · {}</p>", i * 7919 % 1013).as_bytes());
            i += 1;
        }
        data.truncate(len);
        data
    }

    fn read_back(bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut member = archive.by_index(i).unwrap();
                let mut data = Vec::new();
                member.read_to_end(&mut data).unwrap();
                (member.name().unwrap().into_owned(), data)
            })
            .collect()
    }

    #[test]
    fn members_read_back_with_the_zip_crate() {
        for force in [false, true] {
            let big = sample(5 * MIN_SLICE + 12_345);
            let small = sample(1000);
            let mut zip = if force {
                ZipOut::with_zip64(Vec::new())
            } else {
                ZipOut::new(Vec::new())
            };
            zip.add_deflated("collection.anki2", &big).unwrap();
            zip.add_deflated("media", b"{}").unwrap();
            zip.add_deflated("empty", b"").unwrap();
            zip.add_stored("0", &small).unwrap();
            let bytes = zip.finish().unwrap();
            assert!(bytes.len() < big.len() / 2, "deflated");
            let members = read_back(bytes);
            let expected = vec![
                ("collection.anki2".to_owned(), big),
                ("media".to_owned(), b"{}".to_vec()),
                ("empty".to_owned(), Vec::new()),
                ("0".to_owned(), small),
            ];
            assert_eq!(members, expected, "zip64 forced: {force}");
        }
    }

    #[test]
    fn slices_join_into_one_deflate_stream() {
        let data = sample(3 * MIN_SLICE + 7);
        let mut joined = Vec::new();
        for (i, slice) in data.chunks(MIN_SLICE).enumerate() {
            joined.extend(deflate(slice, i == 3).unwrap());
        }
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(joined.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, data);
    }

    #[test]
    fn many_members_use_zip64_counts() {
        let mut zip = ZipOut::new(Vec::new());
        for i in 0..70_000u32 {
            zip.add_stored(&i.to_string(), &i.to_le_bytes()).unwrap();
        }
        let bytes = zip.finish().unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 70_000);
        let mut last = Vec::new();
        archive
            .by_name("69999")
            .unwrap()
            .read_to_end(&mut last)
            .unwrap();
        assert_eq!(last, 69_999u32.to_le_bytes());
    }
}
