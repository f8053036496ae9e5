# Writes the small .npy files the Npy tests read. Made with: /usr/bin/python3 make.py (NumPy 1.24, Debian python3-numpy).
import numpy as np

np.save('f4_2x3.npy', np.array([[1.5, -2.0, 3.25], [0.0, 1e-3, -7.0]], dtype='<f4'))
np.save('f4_vector.npy', np.arange(5, dtype='<f4'))
np.save('f4_scalar.npy', np.array(2.5, dtype='<f4'))
np.save('f4_fortran.npy', np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3)))
np.save('f4_bigendian.npy', np.arange(4, dtype='>f4').reshape(2, 2))
np.save('f4_empty.npy', np.zeros((0, 3), dtype='<f4'))
np.save('f8_2x2.npy', np.ones((2, 2), dtype='<f8'))
np.save('i4_3.npy', np.arange(3, dtype='<i4'))
