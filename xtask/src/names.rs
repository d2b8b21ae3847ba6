//! Shorter names between the wasm and its JavaScript glue. wasm-bindgen
//! names each import after the function and a 16-digit hash
//! (`__wbg_addEventListener_847fd86b8c33ec43`) and each export after its
//! Rust path; both files spell every one out, and random digits do not
//! compress. This renames them all to a few letters, and the glue's module
//! name (which every import repeats) to one, in the wasm's import and export
//! sections and in the glue, which is the only code that uses them.

use std::collections::BTreeMap;

use crate::Result;

/// What the glue's module is called between the two files.
const GLUE_MODULE: &str = "m";

/// Renames the imports from `glue_module` and every export in `wasm`, and
/// the same names in `glue` (wasm-bindgen's JavaScript, before minifying).
pub fn shorten(wasm: &[u8], glue: &str, glue_module: &str) -> Result<(Vec<u8>, String)> {
    let mut renamed_imports = BTreeMap::new();
    let mut renamed_exports = BTreeMap::new();
    let mut counter = 0usize;
    let mut out = wasm[..8].to_vec();
    let mut reader = Reader::new(&wasm[8..]);
    while !reader.done() {
        let id = reader.byte()?;
        let size = reader.u32()? as usize;
        let body = reader.take(size)?;
        let body = match id {
            2 => rewrite_imports(body, glue_module, &mut renamed_imports, &mut counter)?,
            7 => rewrite_exports(body, &mut renamed_exports, &mut counter)?,
            _ => body.to_vec(),
        };
        out.push(id);
        write_u32(&mut out, body.len() as u32);
        out.extend_from_slice(&body);
    }
    let mut glue = glue.replace(
        &format!("\"{glue_module}\":"),
        &format!("\"{GLUE_MODULE}\":"),
    );
    // Import names appear as keys of the imports object: `name: function`.
    for (old, new) in &renamed_imports {
        glue = glue.replace(&format!("{old}: function"), &format!("{new}: function"));
    }
    // Export names are only read from the instance: `wasm.name`.
    for (old, new) in &renamed_exports {
        glue = replace_member(&glue, old, new);
    }
    Ok((out, glue))
}

/// `wasm.old` → `wasm.new`, where `old` is the whole member name.
fn replace_member(glue: &str, old: &str, new: &str) -> String {
    let needle = format!("wasm.{old}");
    let mut out = String::with_capacity(glue.len());
    let mut rest = glue;
    while let Some(at) = rest.find(&needle) {
        let after = &rest[at + needle.len()..];
        let whole = !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        out.push_str(&rest[..at]);
        out.push_str(if whole { "wasm." } else { "" });
        out.push_str(if whole { new } else { &needle });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `a`, `b`, … `z`, `A` … `Z`, then `aa`, `ab`, …: valid names in both
/// files, and never a JavaScript keyword.
fn short_name(mut n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = Vec::new();
    loop {
        name.push(LETTERS[n % LETTERS.len()]);
        n /= LETTERS.len();
        if n == 0 {
            break;
        }
        n -= 1;
    }
    name.reverse();
    // Two-letter keywords (`do`, `if`, `in`) get a prefix that no other name has.
    let name = String::from_utf8(name).expect("ASCII letters");
    if matches!(name.as_str(), "do" | "if" | "in") {
        format!("_{name}")
    } else {
        name
    }
}

fn rewrite_imports(
    body: &[u8],
    glue_module: &str,
    renamed: &mut BTreeMap<String, String>,
    counter: &mut usize,
) -> Result<Vec<u8>> {
    let mut reader = Reader::new(body);
    let count = reader.u32()?;
    let mut out = Vec::new();
    write_u32(&mut out, count);
    for _ in 0..count {
        let module = reader.name()?;
        let name = reader.name()?;
        let kind = reader.byte()?;
        let start = reader.at;
        match kind {
            0 => {
                reader.u32()?;
            }
            1 => {
                reader.byte()?;
                reader.limits()?;
            }
            2 => reader.limits()?,
            3 => {
                reader.byte()?;
                reader.byte()?;
            }
            other => return Err(format!("unknown import kind {other} in the wasm")),
        }
        let desc = &body[start..reader.at];
        let new_name = if module == glue_module {
            let new = short_name(*counter);
            *counter += 1;
            renamed.insert(name.clone(), new.clone());
            new
        } else {
            name
        };
        let new_module = if module == glue_module {
            GLUE_MODULE
        } else {
            &module
        };
        write_name(&mut out, new_module);
        write_name(&mut out, &new_name);
        out.push(kind);
        out.extend_from_slice(desc);
    }
    Ok(out)
}

fn rewrite_exports(
    body: &[u8],
    renamed: &mut BTreeMap<String, String>,
    counter: &mut usize,
) -> Result<Vec<u8>> {
    let mut reader = Reader::new(body);
    let count = reader.u32()?;
    let mut out = Vec::new();
    write_u32(&mut out, count);
    for _ in 0..count {
        let name = reader.name()?;
        let kind = reader.byte()?;
        let index = reader.u32()?;
        let new = short_name(*counter);
        *counter += 1;
        renamed.insert(name, new.clone());
        write_name(&mut out, &new);
        out.push(kind);
        write_u32(&mut out, index);
    }
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn byte(&mut self) -> Result<u8> {
        let byte = *self.bytes.get(self.at).ok_or("the wasm ends early")?;
        self.at += 1;
        Ok(byte)
    }

    fn u32(&mut self) -> Result<u32> {
        let mut value = 0u32;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            value |= u32::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a malformed number in the wasm".into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let slice = self
            .bytes
            .get(self.at..self.at + n)
            .ok_or("the wasm ends early")?;
        self.at += n;
        Ok(slice)
    }

    fn name(&mut self) -> Result<String> {
        let len = self.u32()? as usize;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| "a name in the wasm is not UTF-8".into())
    }

    fn limits(&mut self) -> Result {
        let flags = self.byte()?;
        self.u32()?;
        if flags & 1 == 1 {
            self.u32()?;
        }
        Ok(())
    }
}

fn write_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    write_u32(out, name.len() as u32);
    out.extend_from_slice(name.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing `g.__wbg_log_0123456789abcdef` and exporting
    /// `start`, by hand.
    fn module() -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        // type section: one func type () -> ()
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        let mut imports = Vec::new();
        write_u32(&mut imports, 1);
        write_name(&mut imports, "g");
        write_name(&mut imports, "__wbg_log_0123456789abcdef");
        imports.extend_from_slice(&[0, 0]);
        wasm.push(2);
        write_u32(&mut wasm, imports.len() as u32);
        wasm.extend_from_slice(&imports);
        let mut exports = Vec::new();
        write_u32(&mut exports, 1);
        write_name(&mut exports, "start");
        exports.extend_from_slice(&[0, 0]);
        wasm.push(7);
        write_u32(&mut wasm, exports.len() as u32);
        wasm.extend_from_slice(&exports);
        wasm
    }

    #[test]
    fn names_shrink_in_both_files_alike() {
        let glue = "const i = { __wbg_log_0123456789abcdef: function() {} };\n\
                    const imports = { \"g\": i };\n\
                    wasm.start(); wasm.started; export function start() {}";
        let (wasm, glue) = shorten(&module(), glue, "g").unwrap();
        assert!(glue.contains("a: function"), "{glue}");
        assert!(glue.contains("wasm.b();"), "{glue}");
        assert!(
            glue.contains("wasm.started;"),
            "a longer name is left alone: {glue}"
        );
        assert!(glue.contains("export function start()"), "{glue}");
        assert!(glue.contains("{ \"m\": i }"), "{glue}");
        let text = String::from_utf8_lossy(&wasm);
        assert!(!text.contains("__wbg_log"), "{text}");
        assert_eq!(&wasm[..8], b"\0asm\x01\0\0\0");
    }

    #[test]
    fn short_names_are_unique_and_never_keywords() {
        let names: std::collections::BTreeSet<String> = (0..5000).map(short_name).collect();
        assert_eq!(names.len(), 5000);
        for keyword in ["do", "if", "in"] {
            assert!(!names.contains(keyword));
        }
    }
}
