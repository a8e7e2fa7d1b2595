/**
 * The annual evaluation report as a Word document (.docx, built with the `docx` package): what a
 * provincial office files and edits in its own office software. A4, 仿宋-style body and 黑体
 * headings where the fonts exist, tables with a repeated header row, numbers right-aligned.
 */
import {
  AlignmentType,
  BorderStyle,
  Document,
  HeadingLevel,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
  type ITableCellOptions,
} from 'docx'
import { plainText, type Report } from '../domain/report.js'

const HEADINGS = { 1: HeadingLevel.TITLE, 2: HeadingLevel.HEADING_1, 3: HeadingLevel.HEADING_2 } as const
const line = { style: BorderStyle.SINGLE, size: 4, color: '444444' }
const borders: ITableCellOptions['borders'] = { top: line, bottom: line, left: line, right: line }

export async function reportDocx(report: Report): Promise<Buffer> {
  const children: Array<Paragraph | Table> = []
  for (const b of report.blocks) {
    if (b.kind === 'heading') {
      children.push(new Paragraph({ heading: HEADINGS[b.level], ...(b.level === 1 ? { alignment: AlignmentType.CENTER } : {}), children: [new TextRun(b.text)] }))
    } else if (b.kind === 'paragraph') {
      children.push(new Paragraph({ children: b.lines.map((l, i) => new TextRun({ text: plainText(l), size: 20, color: '333333', ...(i > 0 ? { break: 1 } : {}) })) }))
    } else {
      const cell = (text: string, i: number, header: boolean) =>
        new TableCell({
          borders,
          ...(header ? { shading: { fill: 'EEEEEE' } } : {}),
          children: [new Paragraph({ alignment: b.numeric[i] ? AlignmentType.RIGHT : AlignmentType.LEFT, children: [new TextRun({ text, bold: header })] })],
        })
      children.push(
        new Table({
          width: { size: 100, type: WidthType.PERCENTAGE },
          rows: [
            new TableRow({ tableHeader: true, children: b.head.map((x, i) => cell(x, i, true)) }),
            ...b.rows.map((r) => new TableRow({ cantSplit: true, children: r.map((x, i) => cell(x, i, false)) })),
          ],
        }),
        new Paragraph({}),
      )
    }
  }
  const doc = new Document({
    creator: 'patent-bridge',
    title: `${report.province} ${report.year} 年度专利产业化绩效评价报告`,
    styles: {
      default: { document: { run: { font: { ascii: 'Times New Roman', eastAsia: 'FangSong' }, size: 24 } } },
      paragraphStyles: [],
    },
    sections: [{ properties: { page: { size: { width: 11906, height: 16838 }, margin: { top: 1440, bottom: 1440, left: 1134, right: 1134 } } }, children }],
  })
  return Packer.toBuffer(doc)
}
