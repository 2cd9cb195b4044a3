//! The PDF syntax writer: numbers, strings, compressed streams, fixed object numbers, the
//! font objects, the XMP metadata of PDF/A, the structure tree and the attached `.jws`.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Appends `n` as four upper-case hexadecimal digits: what `write!(out, "{n:04X}")` writes.
pub(super) fn push_hex4(out: &mut String, n: u16) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for shift in [12, 8, 4, 0] {
        out.push(char::from(HEX[usize::from((n >> shift) & 0xF)]));
    }
}

/// A PDF text string: literal for printable ASCII, otherwise UTF-16BE with a byte-order mark.
pub(super) fn text_string(text: &str) -> String {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        format!("({escaped})")
    } else {
        let mut hex = String::from("<FEFF");
        for unit in text.encode_utf16() {
            let _ = write!(hex, "{unit:04X}");
        }
        hex.push('>');
        hex
    }
}

/// Writes numbered objects: streams directly into the file, every other object into one
/// compressed object stream (PDF 1.5), located by a cross-reference stream at the end. The
/// structure tree's many small dictionaries compress to a few per cent of their size this way.
pub(super) struct Writer {
    pub(super) out: Vec<u8>,
    /// File offsets of the objects written directly.
    pub(super) offsets: BTreeMap<u32, usize>,
    /// The objects that go into the object stream, by number.
    pub(super) packed: BTreeMap<u32, String>,
}

impl Writer {
    pub(super) fn object(&mut self, id: u32, body: &str) {
        self.packed.insert(id, body.to_string());
    }

    pub(super) fn stream(&mut self, id: u32, dictionary: &str, data: &[u8], compress: bool) {
        match compress
            .then(|| zlib(data, Effort::PerCertificate))
            .flatten()
        {
            Some(compressed) => self.compressed_stream(id, dictionary, &compressed),
            None => self.raw_stream(id, dictionary, data, ""),
        }
    }

    /// A stream whose data is already zlib-compressed.
    pub(super) fn compressed_stream(&mut self, id: u32, dictionary: &str, compressed: &[u8]) {
        self.raw_stream(id, dictionary, compressed, " /Filter /FlateDecode");
    }

    fn raw_stream(&mut self, id: u32, dictionary: &str, data: &[u8], filter: &str) {
        self.offsets.insert(id, self.out.len());
        self.out.extend_from_slice(
            format!(
                "{id} 0 obj\n<< {dictionary} /Length {}{filter} >>\nstream\n",
                data.len()
            )
            .as_bytes(),
        );
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    /// Writes the object stream and the cross-reference stream (with the trailer's entries),
    /// and returns the file.
    pub(super) fn finish(mut self, root: u32, info: u32) -> Vec<u8> {
        let last = self
            .offsets
            .keys()
            .chain(self.packed.keys())
            .max()
            .copied()
            .unwrap_or(0);
        let (object_stream, xref_stream) = (last + 1, last + 2);
        let mut index = String::new();
        let mut bodies = String::new();
        let mut slots = BTreeMap::new();
        for (slot, (id, body)) in self.packed.iter().enumerate() {
            let _ = write!(index, "{id} {} ", bodies.len());
            bodies.push_str(body);
            bodies.push('\n');
            slots.insert(*id, slot);
        }
        let first = index.len();
        let data = format!("{index}{bodies}");
        self.stream(
            object_stream,
            &format!("/Type /ObjStm /N {} /First {first}", self.packed.len()),
            data.as_bytes(),
            true,
        );
        // The file identifier is a hash of the content, so it too is the same every time.
        let id: String = Sha256::digest(&self.out)
            .iter()
            .take(16)
            .map(|b| format!("{b:02X}"))
            .collect();
        let xref_offset = self.out.len();
        self.offsets.insert(xref_stream, xref_offset);
        // Each entry: type (1 byte), offset or object stream (4 bytes), generation or slot (2).
        let mut entries = Vec::with_capacity(7 * (xref_stream as usize + 1));
        for number in 0..=xref_stream {
            let (kind, field, second): (u8, u32, u16) =
                if let Some(offset) = self.offsets.get(&number) {
                    (1, u32::try_from(*offset).unwrap_or(u32::MAX), 0)
                } else if let Some(slot) = slots.get(&number) {
                    (2, object_stream, u16::try_from(*slot).unwrap_or(u16::MAX))
                } else {
                    (0, 0, if number == 0 { 65535 } else { 0 })
                };
            entries.push(kind);
            entries.extend_from_slice(&field.to_be_bytes());
            entries.extend_from_slice(&second.to_be_bytes());
        }
        self.stream(
            xref_stream,
            &format!(
                "/Type /XRef /Size {} /W [1 4 2] /Root {root} 0 R /Info {info} 0 R /ID [<{id}> \
                 <{id}>]",
                xref_stream + 1
            ),
            &entries,
            true,
        );
        self.out
            .extend_from_slice(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());
        self.out
    }
}

/// How hard [`zlib`] compresses.
#[derive(Clone, Copy)]
pub(super) enum Effort {
    /// libdeflate level 1, for what is compressed for every certificate (the page, the object
    /// stream, the attachments, the cross-reference stream). On the several-records example's
    /// 26.9 KB of those, 69 us and 9,619 bytes, against 113 us and 9,377 bytes at level 4 (the
    /// level before) and 137 us and 9,073 bytes at level 6.
    PerCertificate,
    /// libdeflate level 6, for what is compressed once per process and reused (a font subset,
    /// its ToUnicode map, the ICC profile): on the 26.6 KB font subset, 217 us and 13,897 bytes,
    /// against 171 us and 14,050 bytes at level 4, 86 us and 14,630 bytes at level 1 and 248
    /// us and 13,871 bytes at level 9. (A batch makes a subset for each new set of glyphs, so
    /// this is not once per run: level 9 took 2.3% more instructions over 300 synthetic
    /// requests than level 6, for 28 bytes a PDF.)
    Reused,
}

/// zlib (FlateDecode) with libdeflate, at the level `effort` says. Deterministic: the same
/// input gives the same bytes. (libdeflate at level 4 took 344 us where zlib-rs, the writer
/// before, took 606 us, for 3% smaller output.) `None` only if libdeflate fails, which it cannot
/// with a buffer of the size it asks for; the caller then stores the stream uncompressed rather
/// than write a broken one. One compressor per thread and level, made once: making one
/// allocates and clears half a megabyte, which cost more than compressing a small stream.
pub(super) fn zlib(data: &[u8], effort: Effort) -> Option<Vec<u8>> {
    thread_local! {
        static COMPRESSORS: std::cell::RefCell<[Option<libdeflater::Compressor>; 2]> =
            const { std::cell::RefCell::new([None, None]) };
    }
    let (slot, level) = match effort {
        Effort::PerCertificate => (0, 1),
        Effort::Reused => (1, 6),
    };
    COMPRESSORS.with(|cell| {
        let mut compressors = cell.try_borrow_mut().ok()?;
        let compressor = compressors.get_mut(slot)?;
        if compressor.is_none() {
            *compressor = Some(libdeflater::Compressor::new(
                libdeflater::CompressionLvl::new(level).ok()?,
            ));
        }
        let compressor = compressor.as_mut()?;
        let mut out = vec![0; compressor.zlib_compress_bound(data.len())];
        let written = compressor.zlib_compress(data, &mut out).ok()?;
        out.truncate(written);
        Some(out)
    })
}

/// Object numbers: fixed, so the output is the same every time.
pub(super) const CATALOG: u32 = 1;

pub(super) const PAGES: u32 = 2;

pub(super) const INFO: u32 = 3;

pub(super) const FIRST_FONT: u32 = 4;

pub(super) const OBJECTS_PER_FONT: u32 = 5;

pub(super) const EMBEDDED_FILE: u32 = 9;

pub(super) const FILE_SPEC: u32 = 10;

pub(super) const METADATA: u32 = 11;

pub(super) const OUTPUT_PROFILE: u32 = 12;

pub(super) const STRUCT_TREE: u32 = 13;

/// Pages take two objects each (the page and its content); the structure elements follow.
pub(super) const FIRST_PAGE: u32 = 14;

/// The output intent's ICC profile: sRGB, 632 bytes (made by tools/make_srgb_icc.py).
pub(super) const SRGB_PROFILE: &[u8] = include_bytes!("../../color/sRGB-v2-small.icc");

/// [`SRGB_PROFILE`] zlib-compressed, once per process (the same in every PDF).
static COMPRESSED_SRGB_PROFILE: LazyLock<Option<Vec<u8>>> =
    LazyLock::new(|| zlib(SRGB_PROFILE, Effort::Reused));

/// The document's language (BCP 47): the labels and headings are in British English.
pub(super) const LANGUAGE: &str = "en-GB";

/// Escapes text for XML character data.
pub(super) fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The XMP metadata packet (ISO 16684-1): what the Info dictionary says, in the same words, and
/// the PDF/A-3B and PDF/UA-1 identification, with the extension schema PDF/A requires for
/// `pdfuaid` (not one of its predefined schemas).
pub(super) fn xmp(
    title: &str,
    author: &str,
    subject: &str,
    producer: &str,
    created: &str,
) -> String {
    let (title, author, subject) = (xml_escape(title), xml_escape(author), xml_escape(subject));
    let bom = '\u{feff}';
    format!(
        r#"<?xpacket begin="{bom}" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
<dc:language><rdf:Bag><rdf:li>{LANGUAGE}</rdf:li></rdf:Bag></dc:language>
<xmp:CreatorTool>goodstanding</xmp:CreatorTool>
<xmp:CreateDate>{created}</xmp:CreateDate>
<pdf:Producer>{producer}</pdf:Producer>
<pdfaid:part>3</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<pdfuaid:part>1</pdfuaid:part>
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>"#
    )
}

/// A structure element as a PDF dictionary.
pub(super) fn element_dictionary(tags: &Tags, index: usize, first_element: u32) -> String {
    let element = &tags.elements[index];
    let parent = element
        .parent
        .map_or(STRUCT_TREE, |p| first_element + p as u32);
    let mut out = format!("<< /S /{} /P {parent} 0 R", element.kind);
    if let Some(page) = element.page {
        let _ = write!(out, " /Pg {} 0 R", FIRST_PAGE + 2 * page as u32);
    }
    if !element.kids.is_empty() {
        out.push_str(" /K [");
        for (i, kid) in element.kids.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            match kid {
                Kid::Element(e) => {
                    let _ = write!(out, "{} 0 R", first_element + *e as u32);
                }
                Kid::Content(mcid) => {
                    let _ = write!(out, "{mcid}");
                }
            }
        }
        out.push(']');
    }
    if let Some(alt) = element.alt {
        let _ = write!(out, " /Alt {}", text_string(alt));
    }
    if let Some(scope) = element.scope {
        let _ = write!(out, " /A << /O /Table /Scope /{scope} >>");
    }
    out.push_str(" >>");
    out
}

pub(super) fn write_font(writer: &mut Writer, font: &Font, first: u32) -> Result<(), RenderError> {
    let embedded = embedded_font(font)?;
    let base = &embedded.base_name;
    let face = &font.face;
    let scale = |v: i16| f32::from(v) * 1000.0 / f32::from(face.units_per_em());
    let bbox = face.global_bounding_box();
    writer.object(
        first,
        &format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{base} /Encoding /Identity-H \
             /DescendantFonts [{} 0 R] /ToUnicode {} 0 R >>",
            first + 1,
            first + 4
        ),
    );
    writer.object(
        first + 1,
        &format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{base} /CIDSystemInfo << /Registry \
             (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {} 0 R \
             /CIDToGIDMap /Identity /W [0 [{}]] >>",
            first + 2,
            embedded.widths
        ),
    );
    writer.object(
        first + 2,
        &format!(
            "<< /Type /FontDescriptor /FontName /{base} /Flags 32 /FontBBox [{:.0} {:.0} {:.0} \
             {:.0}] /ItalicAngle 0 /Ascent {:.0} /Descent {:.0} /CapHeight {:.0} /StemV 80 \
             /FontFile2 {} 0 R >>",
            scale(bbox.x_min),
            scale(bbox.y_min),
            scale(bbox.x_max),
            scale(bbox.y_max),
            scale(face.ascender()),
            scale(face.descender()),
            scale(face.capital_height().unwrap_or(face.ascender())),
            first + 3
        ),
    );
    writer.compressed_stream(
        first + 3,
        &format!("/Length1 {}", embedded.program_length),
        &embedded.program,
    );
    writer.compressed_stream(first + 4, "", &embedded.to_unicode);
    Ok(())
}

pub(super) fn write_pdf(
    layout: Layout,
    c: &Certificate,
    edition: Edition<'_>,
) -> Result<Vec<u8>, RenderError> {
    let mut writer = Writer {
        out: b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec(),
        offsets: BTreeMap::new(),
        packed: BTreeMap::new(),
    };
    let page_count = layout.pages.len() as u32;
    let kids: Vec<String> = (0..page_count)
        .map(|i| format!("{} 0 R", FIRST_PAGE + 2 * i))
        .collect();
    let first_element = FIRST_PAGE + 2 * page_count;
    let attachment = format!("{}.jws", c.id);
    let proof_attachment = format!("{}.tlog-proof", c.id);
    // The QR codes' images follow the structure elements; the log's proof, when attached,
    // takes the two objects after them.
    let first_image = first_element + layout.tags.elements.len() as u32;
    let proof_file = first_image + layout.images.len() as u32;
    let proof_spec = proof_file + 1;
    let (title, subject, attached) = match edition {
        Edition::Signed { proof: None, .. } => (
            format!("Certificate of good standing: {}", c.subject.full_name),
            format!("Certificate {}", c.id),
            format!(
                "/Names << /EmbeddedFiles << /Names [{} {FILE_SPEC} 0 R] >> >> /AF [{FILE_SPEC} \
                 0 R] ",
                text_string(&attachment)
            ),
        ),
        // Names in order: "<id>.jws" before "<id>.tlog-proof".
        Edition::Signed { proof: Some(_), .. } => (
            format!("Certificate of good standing: {}", c.subject.full_name),
            format!("Certificate {}", c.id),
            format!(
                "/Names << /EmbeddedFiles << /Names [{} {FILE_SPEC} 0 R {} {proof_spec} 0 R] >> \
                 >> /AF [{FILE_SPEC} 0 R {proof_spec} 0 R] ",
                text_string(&attachment),
                text_string(&proof_attachment)
            ),
        ),
        Edition::Draft => (
            format!(
                "DRAFT certificate of good standing: {}",
                c.subject.full_name
            ),
            DRAFT_MARK.to_string(),
            String::new(),
        ),
    };
    let producer = format!("goodstanding {}", env!("CARGO_PKG_VERSION"));
    writer.object(
        CATALOG,
        &format!(
            "<< /Type /Catalog /Pages {PAGES} 0 R {attached}/Metadata {METADATA} 0 R \
             /OutputIntents [<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier \
             (sRGB IEC61966-2.1) /Info (sRGB IEC61966-2.1) /DestOutputProfile {OUTPUT_PROFILE} \
             0 R >>] /MarkInfo << /Marked true >> /StructTreeRoot {STRUCT_TREE} 0 R /Lang \
             ({LANGUAGE}) /ViewerPreferences << /DisplayDocTitle true >> >>"
        ),
    );
    writer.object(
        PAGES,
        &format!(
            "<< /Type /Pages /Kids [{}] /Count {page_count} >>",
            kids.join(" ")
        ),
    );
    let issued = c.issued_at.to_string();
    let pdf_date: String = issued.chars().filter(char::is_ascii_digit).collect();
    writer.object(
        INFO,
        &format!(
            "<< /Title {} /Subject {} /Author {} /Creator (goodstanding) /Producer \
             ({producer}) /CreationDate (D:{pdf_date}Z) >>",
            text_string(&title),
            text_string(&subject),
            text_string(&c.issuer.name),
        ),
    );
    let fonts: Vec<String> = (0..layout.fonts.len() as u32)
        .map(|f| format!("/F{} {} 0 R", f + 1, FIRST_FONT + f * OBJECTS_PER_FONT))
        .collect();
    for (i, font) in layout.fonts.iter().enumerate() {
        write_font(&mut writer, font, FIRST_FONT + i as u32 * OBJECTS_PER_FONT)?;
    }
    if let Edition::Signed { signed, .. } = edition {
        let jws = format!("{}\n", signed.to_compact());
        writer.stream(
            EMBEDDED_FILE,
            &format!(
                "/Type /EmbeddedFile /Subtype /application#2Fjose /Params << /Size {} /CreationDate \
                 (D:{pdf_date}Z) /ModDate (D:{pdf_date}Z) >>",
                jws.len()
            ),
            jws.as_bytes(),
            true,
        );
        writer.object(
            FILE_SPEC,
            &format!(
                "<< /Type /Filespec /F {name} /UF {name} /AFRelationship /Source /Desc (The signed \
                 certificate \\(JWS\\): verify it with the issuer's public key) /EF << /F \
                 {EMBEDDED_FILE} 0 R /UF {EMBEDDED_FILE} 0 R >> >>",
                name = text_string(&attachment)
            ),
        );
    }
    // XMP is not compressed, so that any tool can find and read it.
    let metadata = xmp(&title, &c.issuer.name, &subject, &producer, &issued);
    writer.stream(
        METADATA,
        "/Type /Metadata /Subtype /XML",
        metadata.as_bytes(),
        false,
    );
    match COMPRESSED_SRGB_PROFILE.as_deref() {
        Some(compressed) => writer.compressed_stream(OUTPUT_PROFILE, "/N 3", compressed),
        None => writer.stream(OUTPUT_PROFILE, "/N 3", SRGB_PROFILE, false),
    }
    let mut parent_tree = String::new();
    for (page, marks) in layout.tags.marks.iter().enumerate() {
        let refs: Vec<String> = marks
            .iter()
            .map(|e| format!("{} 0 R", first_element + *e as u32))
            .collect();
        let _ = write!(parent_tree, "{page} [{}] ", refs.join(" "));
    }
    writer.object(
        STRUCT_TREE,
        &format!(
            "<< /Type /StructTreeRoot /K [{first_element} 0 R] /ParentTree << /Nums [{}] >> \
             /ParentTreeNextKey {page_count} >>",
            parent_tree.trim_end()
        ),
    );
    for (i, content) in layout.pages.iter().enumerate() {
        let page = FIRST_PAGE + 2 * i as u32;
        let images: String = (first_image..)
            .zip(&layout.images)
            .enumerate()
            .filter(|(_, (_, image))| image.page == i)
            .map(|(name, (object, _))| format!("/QR{name} {object} 0 R "))
            .collect();
        let images = if images.is_empty() {
            String::new()
        } else {
            format!(" /XObject << {images}>>")
        };
        writer.object(
            page,
            &format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {PAGE_WIDTH:.2} \
                 {PAGE_HEIGHT:.2}] /Resources << /Font << {} >>{images} >> /Contents {} 0 R \
                 /StructParents {i} /Tabs /S >>",
                fonts.join(" "),
                page + 1
            ),
        );
        writer.stream(page + 1, "", content.as_bytes(), true);
    }
    for index in 0..layout.tags.elements.len() {
        writer.object(
            first_element + index as u32,
            &element_dictionary(&layout.tags, index, first_element),
        );
    }
    // A QR code's modules are as good as random: deflate made them 1% larger. Stored as they
    // are (a reader then takes the stream's bytes as the samples).
    for (object, image) in (first_image..).zip(&layout.images) {
        writer.stream(
            object,
            &format!(
                "/Type /XObject /Subtype /Image /Width {w} /Height {w} /ImageMask true \
                 /BitsPerComponent 1",
                w = image.width
            ),
            &image.bits,
            false,
        );
    }
    if let Edition::Signed {
        proof: Some(proof), ..
    } = edition
    {
        writer.stream(
            proof_file,
            &format!(
                "/Type /EmbeddedFile /Subtype /text#2Fplain /Params << /Size {} /CreationDate \
                 (D:{pdf_date}Z) /ModDate (D:{pdf_date}Z) >>",
                proof.len()
            ),
            proof.as_bytes(),
            true,
        );
        writer.object(
            proof_spec,
            &format!(
                "<< /Type /Filespec /F {name} /UF {name} /AFRelationship /Supplement /Desc (The \
                 certificate's proof of inclusion in the issuer's transparency log \
                 \\(c2sp.org/tlog-proof\\)) /EF << /F {proof_file} 0 R /UF {proof_file} 0 R >> >>",
                name = text_string(&proof_attachment)
            ),
        );
    }
    Ok(writer.finish(CATALOG, INFO))
}
