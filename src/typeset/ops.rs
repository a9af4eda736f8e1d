//! A page's content stream, written directly as bytes: each operand followed by a
//! space, each operator by a line end, numbers to the decimals they need. Through
//! pdf-writer's generic operand writer (its checks and shortest float formatting)
//! the content of a receipt took a tenth of its time.

pub(super) struct Ops {
    out: Vec<u8>,
}

impl Ops {
    pub fn with_capacity(n: usize) -> Ops {
        Ops {
            out: Vec::with_capacity(n),
        }
    }

    pub fn finish(mut self) -> Vec<u8> {
        if self.out.last() == Some(&b'\n') {
            self.out.pop();
        }
        self.out
    }

    /// `v` to `places` decimals (at most 4), without trailing zeros, and a space.
    pub fn real(&mut self, v: f32, places: u32) -> &mut Ops {
        const SCALE: [f32; 5] = [1.0, 10.0, 100.0, 1_000.0, 10_000.0];
        let scale = SCALE[places as usize];
        let n = (v * scale).round() as i64;
        if n < 0 {
            self.out.push(b'-');
        }
        let n = n.unsigned_abs();
        let scale = scale as u64;
        let (whole, mut frac) = (n / scale, n % scale);
        super::objstm::number(&mut self.out, whole as usize);
        if frac != 0 {
            self.out.push(b'.');
            let mut digits = places;
            while frac.is_multiple_of(10) {
                frac /= 10;
                digits -= 1;
            }
            // The fraction's digits, its leading zeros included.
            let mut buf = [b'0'; 4];
            for i in (0..digits as usize).rev() {
                buf[i] = b'0' + (frac % 10) as u8;
                frac /= 10;
            }
            self.out.extend_from_slice(&buf[..digits as usize]);
        }
        self.out.push(b' ');
        self
    }

    /// A coordinate: to a hundredth of a point, exact enough for print.
    pub fn at(&mut self, v: f32) -> &mut Ops {
        self.real(v, 2)
    }

    /// `n` and a space.
    pub fn int(&mut self, n: u64) -> &mut Ops {
        super::objstm::number(&mut self.out, n as usize);
        self.out.push(b' ');
        self
    }

    /// A name operand (`/F1`) and a space.
    pub fn name(&mut self, name: &[u8]) -> &mut Ops {
        self.out.push(b'/');
        self.out.extend_from_slice(name);
        self.out.push(b' ');
        self
    }

    /// The operator, ending the line.
    pub fn op(&mut self, op: &[u8]) {
        self.out.extend_from_slice(op);
        self.out.push(b'\n');
    }

    /// Bytes written as they are (an operator and its operands, whole lines).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
        self.out.push(b'\n');
    }

    /// A colour's components, to a thousandth.
    pub fn rgb(&mut self, r: f32, g: f32, b: f32) -> &mut Ops {
        self.real(r, 3).real(g, 3).real(b, 3)
    }

    /// `/Tag <</MCID n>> BDC`: a marked-content sequence with its id.
    pub fn bdc(&mut self, tag: &[u8], mcid: i32) {
        self.name(tag);
        self.out.extend_from_slice(b"<</MCID ");
        self.int(mcid.max(0) as u64);
        self.out.pop();
        self.out.extend_from_slice(b">> BDC\n");
    }

    /// A `TJ` array's start.
    pub fn tj_start(&mut self) {
        self.out.push(b'[');
    }

    /// Glyph ids (two bytes each) as a string in the `TJ` array.
    pub fn tj_glyphs(&mut self, bytes: &[u8]) {
        self.out.push(b'(');
        for &b in bytes {
            if matches!(b, b'(' | b')' | b'\\') {
                self.out.push(b'\\');
            }
            self.out.push(b);
        }
        self.out.push(b')');
    }

    /// A move in the `TJ` array, in thousandths of an em, to a tenth.
    pub fn tj_adjust(&mut self, v: f32) {
        self.real(v, 1);
        self.out.pop();
    }

    pub fn tj_end(&mut self) {
        self.out.extend_from_slice(b"] TJ\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_to_their_decimals() {
        let mut o = Ops::with_capacity(64);
        o.at(133.17)
            .at(-0.004)
            .at(12.0)
            .at(0.5)
            .real(1.53227, 4)
            .real(0.45, 3);
        o.at(0.05).real(1.0001, 4).at(-2.5).at(841.89);
        o.op(b"x");
        o.tj_start();
        o.tj_glyphs(&[0, 40, 1, 41]);
        o.tj_adjust(-12.34);
        o.tj_glyphs(&[0, 92]);
        o.tj_end();
        assert_eq!(
            String::from_utf8(o.finish()).unwrap(),
            "133.17 0 12 0.5 1.5323 0.45 0.05 1.0001 -2.5 841.89 x\n[(\0\\(\u{1}\\))-12.3(\0\\\\)] TJ"
        );
    }
}
