//! Plain text tables on stdout: columns padded to their widest cell, the last one not padded.

/// Prints `header` and `rows`.
pub fn print<const N: usize>(header: [&str; N], rows: &[[String; N]]) {
    let mut width = header.map(|h| h.chars().count());
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; N]| {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == N {
                out.push_str(c);
            } else {
                out.push_str(&format!("{c:<w$}  ", w = width[i]));
            }
        }
        out
    };
    println!("{}", line(header));
    for r in rows {
        println!("{}", line(r.each_ref().map(String::as_str)));
    }
}
