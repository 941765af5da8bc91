package org.ncj.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/** The storage of Spark ML's {@code VectorUDT} (same sqlType), for {@link TestVector}. */
public final class TestVectorUDT extends UserDefinedType<TestVector> {
    private static final long serialVersionUID = 1L;

    @Override
    public DataType sqlType() {
        return new StructType()
                .add("type", DataTypes.ByteType, false)
                .add("size", DataTypes.IntegerType, true)
                .add("indices", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
                .add("values", DataTypes.createArrayType(DataTypes.DoubleType, false), true);
    }

    @Override
    public Object serialize(TestVector v) {
        GenericInternalRow r = new GenericInternalRow(4);
        r.setByte(0, v.type);
        if (v.type == 0) {
            r.setInt(1, v.size);
            r.update(2, UnsafeArrayData.fromPrimitiveArray(v.indices));
        } else {
            r.setNullAt(1);
            r.setNullAt(2);
        }
        r.update(3, UnsafeArrayData.fromPrimitiveArray(v.values));
        return r;
    }

    @Override
    public TestVector deserialize(Object datum) {
        InternalRow r = (InternalRow) datum;
        byte type = r.getByte(0);
        return new TestVector(type, type == 0 ? r.getInt(1) : r.getArray(3).numElements(),
                type == 0 ? r.getArray(2).toIntArray() : null, r.getArray(3).toDoubleArray());
    }

    @Override
    public Class<TestVector> userClass() {
        return TestVector.class;
    }
}
