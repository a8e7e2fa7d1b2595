// Type declarations for the few `natural` submodules the analyser imports directly.
// The package root is never imported: it loads database drivers and prints dotenv banners.
declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  const PorterStemmer: { stem(token: string): string }
  export default PorterStemmer
}
declare module 'natural/lib/natural/util/stopwords.js' {
  const stopwords: { words: string[] }
  export default stopwords
}
declare module 'natural/lib/natural/tokenizers/regexp_tokenizer.js' {
  export class WordTokenizer {
    tokenize(text: string): string[]
  }
  const tokenizers: { WordTokenizer: typeof WordTokenizer }
  export default tokenizers
}
declare module 'natural/lib/natural/tfidf/tfidf.js' {
  class TfIdf {
    addDocument(doc: string | string[], key?: unknown): void
    tfidfs(terms: string | string[], callback?: (i: number, measure: number, key?: unknown) => void): number[]
  }
  export default TfIdf
}
