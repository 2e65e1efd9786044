package dev.addp.systemtest.generation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * FID on the zoo classifier's penultimate features, against the reference statistics the model
 * directory ships (fid_ref_stats.bin: float64 mean then covariance). Same definition as the Python
 * evaluation: |μ1−μ2|² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^½).
 */
final class FrechetDistance {
  private FrechetDistance() { }

  /** Features of images (CHW floats, back to back) from the classifier's {@code features} output. */
  public static double[][] features(FidClassifier classifier, List<float[]> images, int batch) throws Exception {
    int len = classifier.preprocessor().inputLength();
    double[][] out = new double[images.size()][];
    float[] input = new float[batch * len];
    for (int start = 0; start < images.size(); start += batch) {
      int m = Math.min(batch, images.size() - start);
      for (int j = 0; j < m; j++) System.arraycopy(images.get(start + j), 0, input, j * len, len);
      float[][] f = classifier.run(input, m).features();
      if (f == null) throw new IllegalStateException("the classifier graph has no 'features' output");
      for (int j = 0; j < m; j++) {
        out[start + j] = new double[f[j].length];
        for (int d = 0; d < f[j].length; d++) out[start + j][d] = f[j][d];
      }
    }
    return out;
  }

  /** FID of the features against the reference statistics file. */
  public static double againstReference(double[][] features, Path statsFile, int dim) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(statsFile)).order(ByteOrder.LITTLE_ENDIAN);
    double[] mu = new double[dim];
    for (int i = 0; i < dim; i++) mu[i] = b.getDouble();
    DMatrixRMaj sigma = new DMatrixRMaj(dim, dim);
    for (int i = 0; i < dim * dim; i++) sigma.data[i] = b.getDouble();
    return distance(mean(features), covariance(features), mu, sigma);
  }

  static double[] mean(double[][] x) {
    double[] m = new double[x[0].length];
    for (double[] row : x) for (int d = 0; d < m.length; d++) m[d] += row[d] / x.length;
    return m;
  }

  /** Unbiased sample covariance (numpy's np.cov with rowvar=False). */
  static DMatrixRMaj covariance(double[][] x) {
    int d = x[0].length;
    double[] m = mean(x);
    DMatrixRMaj c = new DMatrixRMaj(d, d);
    for (double[] row : x) {
      for (int i = 0; i < d; i++) {
        double a = row[i] - m[i];
        for (int j = 0; j < d; j++) c.data[i * d + j] += a * (row[j] - m[j]);
      }
    }
    CommonOps_DDRM.scale(1.0 / (x.length - 1), c);
    return c;
  }

  static double distance(double[] mu1, DMatrixRMaj s1, double[] mu2, DMatrixRMaj s2) {
    double diff = 0;
    for (int i = 0; i < mu1.length; i++) diff += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]);
    // Tr((Σ1Σ2)^½) = Σ √λ over the eigenvalues of √Σ1 Σ2 √Σ1, which is symmetric positive semi-definite.
    DMatrixRMaj root1 = sqrtSymmetric(s1);
    DMatrixRMaj tmp = new DMatrixRMaj(s1.numRows, s1.numCols);
    DMatrixRMaj inner = new DMatrixRMaj(s1.numRows, s1.numCols);
    CommonOps_DDRM.mult(root1, s2, tmp);
    CommonOps_DDRM.mult(tmp, root1, inner);
    double traceSqrt = 0;
    for (double lambda : eigenvalues(inner)) traceSqrt += Math.sqrt(Math.max(0, lambda));
    return diff + CommonOps_DDRM.trace(s1) + CommonOps_DDRM.trace(s2) - 2 * traceSqrt;
  }

  private static DMatrixRMaj sqrtSymmetric(DMatrixRMaj s) {
    EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(s.numRows, true, true);
    if (!eig.decompose(s.copy())) throw new IllegalStateException("eigen decomposition failed");
    DMatrixRMaj out = new DMatrixRMaj(s.numRows, s.numCols);
    for (int k = 0; k < s.numRows; k++) {
      double root = Math.sqrt(Math.max(0, eig.getEigenvalue(k).getReal()));
      DMatrixRMaj v = eig.getEigenVector(k);
      for (int i = 0; i < s.numRows; i++) for (int j = 0; j < s.numCols; j++) out.data[i * s.numCols + j] += root * v.data[i] * v.data[j];
    }
    return out;
  }

  private static double[] eigenvalues(DMatrixRMaj s) {
    EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(s.numRows, false, true);
    if (!eig.decompose(s.copy())) throw new IllegalStateException("eigen decomposition failed");
    double[] out = new double[s.numRows];
    for (int k = 0; k < out.length; k++) out[k] = eig.getEigenvalue(k).getReal();
    return out;
  }
}
